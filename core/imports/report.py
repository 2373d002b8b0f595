"""What an import found and did: counts, the changes it makes, and every bad row with its reason."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RowProblem:
    line: int
    where: str  # 第3行 / 第3条记录
    reason: str  # Chinese, for the librarian


@dataclass(frozen=True)
class Change:
    action: str  # 新增书目 | 新增复本 | 更新复本 | 新增读者 | 更新读者 | 新增家长 | 新增班级 ...
    key: str  # barcode, card number or class name
    detail: str


@dataclass(frozen=True)
class IsbnConflict:
    """A row whose ISBN already belongs to a title with another name (套书, volumes, a typo).

    Never merged silently: the librarian decides per line (`separate`: a title of its own under
    the shared ISBN; `existing`: a copy of the title that holds the ISBN).
    """

    line: int
    where: str
    isbn: str
    title: str  # the row's title
    held_title: str  # the title that already has this ISBN (in the library or earlier in the file)


@dataclass
class ImportReport:
    kind: str  # catalogue | readers
    rows_read: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)  # rows refused
    warnings: list[RowProblem] = field(default_factory=list)  # rows kept with a correction
    conflicts: list[IsbnConflict] = field(default_factory=list)  # undecided same-ISBN, other-title rows
    committed: bool = False
    dry_run: bool = False
    batch_id: int | None = None

    @property
    def good_rows(self) -> int:
        return self.rows_read - len({p.line for p in self.problems})

    def count(self, name: str, by: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + by

    @property
    def changed(self) -> bool:
        return bool(self.changes)
