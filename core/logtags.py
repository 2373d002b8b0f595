"""Short keyed tags for the logs: a line can tell users and cards apart without naming them.

`tag(value)` is the first 10 hex digits of HMAC-SHA256(secret, value). The secret belongs to the
installation: made with `secrets` the first time a database is opened and kept in `install_facts`
(key "log_secret"), so a tag stays the same across restarts and processes of one school, while
a tag seen in one school's logs says nothing in another's. An operator who knows an openid or a
card number finds its lines with `shuxiang log-tag VALUE`; nobody can go from a tag back to the value.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from core.models import InstallFact

log = logging.getLogger("shuxiang.logtags")

SECRET_KEY = "log_secret"
TAG_HEX = 10

_lock = threading.Lock()
_secret: bytes | None = None


def tag(value: object) -> str:
    """The 10-hex-digit keyed tag of `value` (str() of it, stripped); "-" for None or empty."""
    text = "" if value is None else str(value).strip()
    if not text:
        return "-"
    return hmac.new(_current_secret(), text.encode(), hashlib.sha256).hexdigest()[:TAG_HEX]


def set_secret(secret: str | bytes) -> None:
    """Use this secret for every tag from now on (tests; `load_secret` calls it)."""
    global _secret
    with _lock:
        _secret = secret.encode() if isinstance(secret, str) else secret


def _current_secret() -> bytes:
    global _secret
    with _lock:
        if _secret is None:
            # No database opened yet (a tool that logs before opening one): a secret for this
            # process only, so the tags are still keyed, just not comparable with other runs.
            _secret = secrets.token_bytes(32)
        return _secret


def load_secret(engine: Engine) -> str:
    """Read this installation's secret from `install_facts`, creating it on first use; returns it.

    Two processes starting at once may both try to create it: the primary key lets one win and
    the other reads the winner's. Errors: SQLAlchemyError if the table is missing (an unmigrated
    database) — the caller decides whether that matters.
    """
    with Session(engine) as session:
        secret = session.scalar(select(InstallFact.value).where(InstallFact.key == SECRET_KEY))
        if secret is None:
            session.add(InstallFact(key=SECRET_KEY, value=secrets.token_hex(32)))
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
            secret = session.scalar(select(InstallFact.value).where(InstallFact.key == SECRET_KEY))
        assert secret is not None
    set_secret(secret)
    return secret


def load_secret_or_keep(engine: Engine) -> None:
    """`load_secret`, but an unreadable table keeps the process's own secret (and says so once)."""
    try:
        load_secret(engine)
    except SQLAlchemyError:
        log.warning("log tags: install_facts unreadable (run `shuxiang db init`); tags are per process")
