"""A logging filter for the handlers the server sets up: database errors lose the row's values.

SQLAlchemy hides bound parameters (core/db.py), but PostgreSQL itself writes the offending
values into its error text ("DETAIL:  Key (card_no)=(T0001) already exists."), and that text is
part of the exception a `log.exception` prints. The filter formats such a record's traceback
once, without those lines, and turns database errors passed as arguments into their class name.
"""
from __future__ import annotations

import logging
import re
import traceback

from sqlalchemy.exc import StatementError

# Lines a database server or driver adds that may quote a row's values.
_VALUE_LINES = re.compile(r"^\s*(DETAIL|CONTEXT|HINT|Key \().*$|^\s*\[parameters:.*$", re.MULTILINE)


def _database_error(exc: BaseException | None) -> bool:
    seen = 0
    while exc is not None and seen < 10:  # the error, its cause and context (bounded: cycles happen)
        if isinstance(exc, StatementError):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def scrub(text: str) -> str:
    """`text` without the lines that may quote values."""
    return _VALUE_LINES.sub("(values hidden)", text)


class HideDatabaseValues(logging.Filter):
    """Attach to a handler (`handler.addFilter(HideDatabaseValues())`); never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None and _database_error(exc):  # also over a text another handler cached
            record.exc_text = scrub("".join(traceback.format_exception(exc)).rstrip("\n"))
        if isinstance(record.args, tuple) and any(isinstance(a, BaseException) and _database_error(a)
                                                  for a in record.args):
            record.args = tuple(type(a).__name__ if isinstance(a, BaseException) and _database_error(a) else a
                                for a in record.args)
        return True


def install(logger: logging.Logger | None = None) -> None:
    """Add the filter to every handler of `logger` (the root logger by default)."""
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, HideDatabaseValues) for f in handler.filters):
            handler.addFilter(HideDatabaseValues())
