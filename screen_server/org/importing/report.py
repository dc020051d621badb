"""What an import found and what it did: plain dataclasses, no database and no parsing here.

The admin page and the command line show an ``ImportReport`` before anything is written;
``apply_member_import`` takes one that is ``ok`` and writes its rows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from screen_server.org.models import DatePrecision, Gender, PartyStatus

CellValue = str | int | float | bool | dt.date | dt.datetime | dt.time | None


@dataclass(frozen=True, slots=True)
class RawRow:
    """One row of the sheet as read, numbered as the spreadsheet numbers it (1 = first row)."""

    row: int
    cells: tuple[CellValue, ...]

    def is_blank(self) -> bool:
        return all(c is None or (isinstance(c, str) and not c.strip()) for c in self.cells)


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem with one row: ``column`` is the header as written in the file (None for the whole row)."""

    row: int
    column: str | None
    value: str
    reason: str


@dataclass(slots=True)
class MemberRow:
    """A row that passed every check, with its branch and group resolved.

    ``present`` names the fields whose cell was filled in: an update changes only those.
    ``existing_member_id`` is set when the row will update a member already in the database.
    """

    row: int
    number: str
    name: str
    branch_id: int
    branch_name: str
    gender: Gender | None = None
    birth_date: dt.date | None = None
    birth_date_precision: DatePrecision = DatePrecision.DAY
    joined_party_on: dt.date | None = None
    joined_party_precision: DatePrecision = DatePrecision.DAY
    group_id: int | None = None
    group_name: str = ""
    education: str = ""
    title: str = ""
    employment_type: str = ""
    phone: str = ""
    party_status: PartyStatus = PartyStatus.FULL
    present: frozenset[str] = frozenset()
    existing_member_id: int | None = None
    # Set with ``branch_id = 0`` / ``group_id = None`` when the branch or group is created by the import.
    new_branch: bool = False
    new_group: bool = False

    @property
    def action(self) -> str:
        """``"update"`` or ``"create"``."""
        return "update" if self.existing_member_id is not None else "create"

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["present"] = sorted(self.present)
        data["action"] = self.action
        for key, value in data.items():
            if isinstance(value, dt.date):
                data[key] = value.isoformat()
            elif isinstance(value, Gender | DatePrecision | PartyStatus):
                data[key] = value.value
        return data


@dataclass(frozen=True, slots=True)
class ImportCounts:
    total: int  # data rows below the header that are not blank
    ok: int  # rows that will be written
    error_rows: int  # rows with at least one error
    create: int
    update: int
    blank_skipped: int
    footer_skipped: int = 0


@dataclass(frozen=True, slots=True)
class NewGroup:
    """A party group the file names that does not exist yet (in an existing branch or a new one)."""

    branch: str
    name: str


@dataclass(slots=True)
class ImportReport:
    """Everything a dry run found. ``ok`` only when the file can be imported as a whole."""

    filename: str = ""
    file_sha256: str = ""
    update_existing: bool = False
    header_row: int | None = None
    columns: dict[str, str] = field(default_factory=dict)  # field → header as written
    ignored_columns: list[str] = field(default_factory=list)
    rows_ok: list[MemberRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    total_rows: int = 0
    blank_skipped: int = 0
    footer_skipped: list[tuple[int, str]] = field(default_factory=list)  # (row, its first cell)
    create_branches: bool = False
    new_branches: list[str] = field(default_factory=list)  # branch names the import will create
    new_groups: list[NewGroup] = field(default_factory=list)
    committee_id: int | None = None  # the committee new branches go under

    @property
    def ok(self) -> bool:
        return not self.errors and not self.file_errors and bool(self.rows_ok)

    @property
    def counts(self) -> ImportCounts:
        updates = sum(1 for r in self.rows_ok if r.existing_member_id is not None)
        return ImportCounts(
            total=self.total_rows,
            ok=len(self.rows_ok),
            error_rows=len({e.row for e in self.errors}),
            create=len(self.rows_ok) - updates,
            update=updates,
            blank_skipped=self.blank_skipped,
            footer_skipped=len(self.footer_skipped),
        )

    @property
    def update_rows(self) -> list[int]:
        """Row numbers that will update an existing member."""
        return [r.row for r in self.rows_ok if r.existing_member_id is not None]

    def to_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data (for the admin page or an API)."""
        return {
            "ok": self.ok,
            "filename": self.filename,
            "file_sha256": self.file_sha256,
            "update_existing": self.update_existing,
            "header_row": self.header_row,
            "columns": dict(self.columns),
            "ignored_columns": list(self.ignored_columns),
            "counts": dataclasses.asdict(self.counts),
            "file_errors": list(self.file_errors),
            "errors": [dataclasses.asdict(e) for e in self.errors],
            "rows_ok": [r.to_dict() for r in self.rows_ok],
            "footer_skipped": [{"row": r, "text": t} for r, t in self.footer_skipped],
            "create_branches": self.create_branches,
            "new_branches": list(self.new_branches),
            "new_groups": [dataclasses.asdict(g) for g in self.new_groups],
        }


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What ``apply_member_import`` wrote."""

    created: int
    updated: int
    member_ids: list[int]
