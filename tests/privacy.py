"""Personal identifiers the tests create, and a check that no log record carries one.

The end-to-end tests (tests/handlers, tests/transport, tests/scheduler) run with the root logger
at DEBUG and SQLAlchemy's statement log on (what an operator turns on to debug); every record is
kept, and at the end of the test each is formatted — message, arguments, exception and stack —
and searched for every identifier: the openids and texts the test clients sent (registered by
tests/transport/wechat_client.py), the demo users' openids, cards and phone, and every card
number, name, phone and user id in the test's database (swept at the end, so the factories, the
demo builder and the fixtures all count).
"""
from __future__ import annotations

import json
import logging
import os
import threading
from collections import Counter
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.accounts import Binding, BindingAttempt
from core.conversations import ConversationState
from core.demo import DEMO_USERS
from core.library import Library
from core.logredact import HideDatabaseValues
from core.messaging import OutboundMessage
from core.models import Guardian, Reader, RetiredCard

# aiohttp's access log of the *test* server prints the raw request line, query and all; the real
# server runs with access_log=None and logs the path only (bot/app.py, tests/test_log_privacy.py).
TEST_SERVER_LOGGERS = ("aiohttp.access",)

_lock = threading.Lock()
_sent: set[str] = set()


def meaningful(value: str) -> bool:
    """Long enough to be searched without matching everywhere ("2", "好的", "1、3" are not)."""
    value = value.strip()
    if len(value) < 3:
        return False
    return len(value) >= 5 or any(c.isalpha() for c in value)  # short numbers (indexes, "1、3") match anywhere


def register_sent(*values: object) -> None:
    """An openid or a message text a test client sent (kept until `take_sent`)."""
    with _lock:
        _sent.update(str(v).strip() for v in values if v is not None and meaningful(str(v)))


def take_sent() -> set[str]:
    """Everything registered since the last call."""
    with _lock:
        values = set(_sent)
        _sent.clear()
        return values


def demo_identifiers() -> set[str]:
    """The demo users' openids, cards and the demo parent's phone (the simulator speaks as them)."""
    values = {u.openid for u in DEMO_USERS} | {u.ref.removeprefix("guardian:") for u in DEMO_USERS}
    return {v for v in values if meaningful(v)}


def database_identifiers(library: Library) -> set[str]:
    """Every card number, name, phone and user id in the library's database."""
    columns = (Reader.card_no, Reader.name, Reader.phone, Guardian.name, Guardian.phone, RetiredCard.card_no,
               Binding.user_id, BindingAttempt.user_id, BindingAttempt.card_no, OutboundMessage.user_id,
               ConversationState.user_id)
    found: set[str] = set()
    with Session(library.engine) as session:
        for column in columns:
            found.update(v for v in session.scalars(select(column).distinct()) if v and meaningful(v))
    return found


class Recorder(logging.Handler):
    """Keeps every record (formatting waits for the end of the test: most tests log little)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.addFilter(HideDatabaseValues())  # as on the server's handlers (cli/serve.py)

    def emit(self, record: logging.LogRecord) -> None:
        if not record.name.startswith(TEST_SERVER_LOGGERS):
            self.records.append(record)


_FORMATTER = logging.Formatter("%(name)s %(levelname)s %(message)s")


def rendered(record: logging.LogRecord) -> str:
    """The record as any handler could show it: message, raw arguments, exception and stack."""
    return "\n".join([_FORMATTER.format(record), repr(record.args), str(record.msg)])


def leaks(records: Iterable[logging.LogRecord], identifiers: Iterable[str]) -> list[tuple[str, str]]:
    """(identifier, first line of the record) for each identifier found in a record."""
    wanted = sorted(set(identifiers), key=len, reverse=True)
    found: list[tuple[str, str]] = []
    for record in records:
        text = rendered(record)
        found += [(i, f"{record.name}: {text.splitlines()[0][:200]}") for i in wanted if i in text]
    return found


def summary(found: list[tuple[str, str]]) -> str:
    """A failure message: how many, which loggers, a few examples."""
    loggers = Counter(line.split(":", 1)[0] for _, line in found)
    return (f"{len(found)} personal identifiers in log records ({len({i for i, _ in found})} distinct), "
            f"by logger {dict(loggers)}; e.g. {found[:4]}")


def tally(test: str, records: int, checked: int, found: list[tuple[str, str]]) -> None:
    """With SHUXIANG_PRIVACY_TALLY=FILE, append one JSON line per test (the figures for the report)."""
    path = os.environ.get("SHUXIANG_PRIVACY_TALLY")
    if not path:
        return
    loggers = Counter(line.split(":", 1)[0] for _, line in found)
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps({"test": test, "records": records, "checked": checked, "leaks": len(found),
                              "identifiers": sorted({i for i, _ in found}), "loggers": loggers}) + "\n")
