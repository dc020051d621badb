"""The learning library as the room serves it: the units of work behind the admin's 学习内容 and 题库 pages
(``services``: content's own rules from ``content``, plus the audit log and the live ``content.changed``
event), and the reads behind those pages and the content API (``reads``). ``content`` stays free of
the server; this package is where the two meet."""
