"""Media files of the demo library (committed outputs of ``generate.py``, a dev-only tool)."""
