"""Which read-only answers still need the database, in one place (the bench prints this list).

Every other read-only intent is answered on the event loop from the read model (core/live) and the
in-memory search index; these raise WouldBlock there and run in a database thread instead.
"""
from __future__ import annotations

NEEDS_DATABASE: dict[str, str] = {
    "history": "a reader's past loans (借阅记录) are read from the database",
    "fines": "charges (欠款) are read from the database",
    "class_stats": "本班借阅统计 is a term report, built from the database",
    "class_not_borrowed": "哪些同学还没借过书 reads the term's loans from the database",
    "school_overdue": "全校逾期 (librarian) reads the overdue list from the database",
    "reader_loans": "a class teacher's 某某借了什么书 reads the class collection from the database",
}
