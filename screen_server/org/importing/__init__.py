"""Member import from the rosters branches keep by hand in Excel (.xlsx) or CSV.

Two steps, the same on the command line and in the admin:

1. ``prepare_member_import(session, data, filename, ...)`` reads and checks the file and writes nothing;
   its ``ImportReport`` lists every row that cannot be read, with row number, column and reason.
2. ``apply_member_import(session, report, actor_user_id=..., progress=...)`` writes an ``ok`` report in
   one transaction with one audit entry, or nothing.

``read_member_file`` and ``check_member_rows`` are the two halves of step 1.
"""

from __future__ import annotations

from screen_server.org.importing.applying import apply_member_import
from screen_server.org.importing.checking import check_member_rows, prepare_member_import
from screen_server.org.importing.reading import read_member_file
from screen_server.org.importing.report import (
    ImportCounts,
    ImportReport,
    ImportResult,
    MemberRow,
    NewGroup,
    RawRow,
    RowError,
)

__all__ = [
    "ImportCounts",
    "ImportReport",
    "ImportResult",
    "MemberRow",
    "NewGroup",
    "RawRow",
    "RowError",
    "apply_member_import",
    "check_member_rows",
    "prepare_member_import",
    "read_member_file",
]
