"""``make bench``: the benchmarks of the room server and the kiosk, each against a baseline measured in
the same run where one exists. Run with ``python -m bench`` (``--only NAME``, ``--quick``).

Every benchmark runs what it measures in child processes (servers, load generators, clients), so no
two sides share one interpreter's GIL. Results go to ``bench/results/latest.json`` and ``latest.md``.
"""
