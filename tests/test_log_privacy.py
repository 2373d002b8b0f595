"""Log tags are keyed per installation, `shuxiang log-tag` finds them, and SQL errors hide their values."""
from __future__ import annotations

import logging
import re

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.cli import main
from core import accounts, logtags
from core.accounts import BindRefused
from core.clock import FixedClock
from core.library import Library
from core.models import InstallFact, Reader, ReaderType
from tests import privacy
from tests.factories import add_reader


def test_a_tag_is_ten_hex_digits_and_depends_on_the_installations_secret(library: Library) -> None:
    mine = logtags.tag("oAbCdEf-openid")
    assert re.fullmatch(r"[0-9a-f]{10}", mine) and mine == logtags.tag(" oAbCdEf-openid ")
    with library.uow() as uow:
        stored = uow.session.scalar(select(InstallFact.value).where(InstallFact.key == logtags.SECRET_KEY))
    assert stored and len(stored) == 64
    logtags.set_secret("another school")
    try:
        assert logtags.tag("oAbCdEf-openid") != mine
    finally:
        logtags.load_secret(library.engine)
    assert logtags.tag("oAbCdEf-openid") == mine  # the same installation, the same tag (restarts, processes)


def test_the_secret_is_made_once_per_database(db_url: str, clock: FixedClock) -> None:
    first = Library.open(db_url, clock=clock, migrate=False)
    secret = logtags.load_secret(first.engine)
    second = Library.open(db_url, clock=clock, migrate=False)
    try:
        assert logtags.load_secret(second.engine) == secret
    finally:
        first.close()
        second.close()


def test_log_tag_command_prints_the_tag_the_server_logs(sqlite_url: str, clock: FixedClock,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    library = Library.open(sqlite_url, clock=clock, migrate=False)
    try:
        add_reader(library, "张静", ReaderType.TEACHER, card_no="T0001")
        with caplog.at_level(logging.INFO, logger="shuxiang.accounts"), pytest.raises(BindRefused):
            accounts.bind(library, "oUser-1234567", "t0001", "张静", "000000")
    finally:
        library.close()
    line = next(r.getMessage() for r in caplog.records if "binding attempt" in r.getMessage())
    assert "oUser-1234567" not in line and "T0001" not in line
    out = CliRunner().invoke(main, ["log-tag", "--db", sqlite_url, "oUser-1234567"]).output
    card = CliRunner().invoke(main, ["log-tag", "--card", "--db", sqlite_url, "t0001"]).output
    assert f"user#{out.split()[0]}" in line and f"card#{card.split()[0]}" in line


def test_a_logged_database_error_does_not_carry_the_rows_values(library: Library) -> None:
    add_reader(library, "张静", ReaderType.TEACHER, card_no="T0001")
    log = logging.getLogger("shuxiang.test")
    recorder = privacy.Recorder()  # with the filter the server puts on its handlers
    log.addHandler(recorder)
    try:
        with pytest.raises(IntegrityError), library.uow() as uow:
            uow.session.add(Reader(card_no="T0001", name="李红", reader_type=ReaderType.TEACHER,
                                   phone="13800138000", created_at=library.now()))
            try:
                uow.session.flush()
            except IntegrityError as exc:
                log.exception("import failed")
                log.error("import failed: %s", exc)
                raise
    finally:
        log.removeHandler(recorder)
    assert len(recorder.records) == 2 and "IntegrityError" in privacy.rendered(recorder.records[0])
    assert privacy.leaks(recorder.records, {"T0001", "李红", "13800138000"}) == []


def test_the_privacy_check_finds_an_identifier_in_a_message_its_arguments_or_an_exception() -> None:
    log = logging.getLogger("shuxiang.test.check")
    log.setLevel(logging.DEBUG)
    recorder = privacy.Recorder()
    log.addHandler(recorder)
    try:
        log.warning("clean line about user#%s", "0123456789")
        log.info("bound %s", "oLeaky-openid")
        try:
            raise LookupError("S30201")
        except LookupError:
            log.exception("lookup failed")
    finally:
        log.removeHandler(recorder)
    found = privacy.leaks(recorder.records, {"oLeaky-openid", "S30201", "陈思雨"})
    assert sorted(i for i, _ in found) == ["S30201", "oLeaky-openid"]
    assert not privacy.meaningful("2") and not privacy.meaningful("1、3") and privacy.meaningful("T0001")
