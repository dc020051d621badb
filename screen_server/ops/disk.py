"""How much room the data directory's disk has left, and when that counts as nearly full.

One rule for the admin's dashboard and ``activity-room doctor``: below 1 GiB or below 5 % free.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MIN_FREE = 1024**3
MIN_FREE_SHARE = 0.05


@dataclass(frozen=True)
class DiskSpace:
    total: int
    free: int

    @property
    def share(self) -> float:
        return self.free / self.total if self.total else 0.0

    @property
    def free_gb(self) -> float:
        return self.free / 1024**3

    @property
    def nearly_full(self) -> bool:
        return self.free < MIN_FREE or self.share < MIN_FREE_SHARE


def disk_space(path: Path, usage: Callable[[Path], Any] | None = None) -> DiskSpace:
    found = (usage or shutil.disk_usage)(path)
    return DiskSpace(total=int(found.total), free=int(found.free))
