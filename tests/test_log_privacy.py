"""Log tags are keyed per installation, `shuxiang log-tag` finds them, and SQL errors hide their values."""
from __future__ import annotations

import logging
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from cli.main import main
from core import accounts, logtags
from core.accounts import BindRefused
from core.clock import FixedClock, system_clock
from core.library import Library
from core.models import InstallFact, Reader, ReaderType
from tests import privacy
from tests.factories import add_reader
from tests.transport.wechat_client import TOKEN, message_xml, sign, text_fields

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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


def _wait_ready(base: str, log: Path) -> None:
    for _ in range(600):
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(log.read_text(errors="replace")[-2000:])


def _post_text(base: str, openid: str, text: str) -> str:
    timestamp, nonce = str(int(time.time())), str(time.monotonic_ns())
    query = urllib.parse.urlencode({"signature": sign(TOKEN, timestamp, nonce), "timestamp": timestamp,
                                    "nonce": nonce, "openid": openid})
    request = urllib.request.Request(f"{base}/wechat?{query}", data=message_xml(text_fields(openid, text)).encode())
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read().decode()


def test_the_real_servers_log_names_no_user(tmp_path: Path) -> None:
    """`shuxiang serve` as deployed (its own logging set-up, no aiohttp access log): a binding story."""
    url = f"sqlite:///{tmp_path / 'school.db'}"
    library = Library.open(url, clock=system_clock)  # the server's clock: the code must be valid for it
    add_reader(library, "张静", ReaderType.TEACHER, card_no="T0001")
    code = accounts.issue_code(library, "T0001")
    secret_tag = logtags.tag("oServeLog-openid-1")
    library.close()
    port = _free_port()
    log = tmp_path / "serve.log"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SHUXIANG_WECHAT_TOKEN": TOKEN}
    with log.open("wb") as out:
        server = subprocess.Popen([sys.executable, "-m", "cli.main", "serve", "--no-jobs", "--db", url, "--port",
                                   str(port)], cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, log)
        assert "不对" in _post_text(base, "oServeLog-openid-1", "绑定 T0001 张静 000000")
        assert "绑定成功" in _post_text(base, "oServeLog-openid-1", f"绑定 T0001 张静 {code}")
    finally:
        server.terminate()
        server.wait(timeout=20)
    text = log.read_text(errors="replace")
    assert "POST /wechat 200" in text and f"binding attempt user#{secret_tag}" in text
    for personal in ("oServeLog-openid-1", "T0001", "张静", code, "绑定"):
        assert personal not in text, personal
