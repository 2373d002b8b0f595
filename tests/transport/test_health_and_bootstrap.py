"""Health check, settings for demo mode, and the terminal chat."""
from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from click.testing import CliRunner

from bot.bootstrap import DEMO_AES_KEY, DEMO_APPID, DEMO_TOKEN, build_settings
from core.settings import Settings, SettingsError


async def test_healthz_reports_database_and_responder_ready(client: TestClient) -> None:
    resp = await client.get("/healthz")
    assert resp.status == 200
    assert await resp.json() == {"status": "ok", "database": True, "responder": True}


def test_demo_mode_uses_the_published_demo_keys_and_its_own_database(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SHUXIANG_WECHAT_TOKEN", "SHUXIANG_WECHAT_AES_KEY", "SHUXIANG_WECHAT_APPID",
                 "SHUXIANG_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    s = build_settings(demo=True, port=9000)
    assert (s.wechat.token, s.wechat.aes_key, s.wechat.appid) == (DEMO_TOKEN, DEMO_AES_KEY, DEMO_APPID)
    assert s.database.url == "sqlite:///var/demo.db" and s.server.port == 9000 and s.demo
    assert build_settings(demo=True, db="sqlite:///x.db").database.url == "sqlite:///x.db"


def test_environment_overrides_reach_the_wechat_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHUXIANG_WECHAT_TOKEN", "from-env")
    assert build_settings().wechat.token == "from-env"


def test_a_wrong_length_aes_key_is_refused_at_start(settings: Settings) -> None:
    from dataclasses import replace

    from bot.app import create_app
    from bot.responder import HelpResponder
    with pytest.raises(SettingsError, match="43"):
        create_app(replace(settings, wechat=replace(settings.wechat, aes_key="short")), responder=HelpResponder(),
                   clock=lambda: None)  # type: ignore[arg-type,return-value]


def test_terminal_chat_answers_and_ends_on_an_empty_line(sqlite_url: str, tmp_path: Path) -> None:
    from cli.chat import chat
    result = CliRunner().invoke(chat, ["--as", "demo-teacher", "--db", sqlite_url], input="帮助\n\n")
    assert result.exit_code == 0, result.output
    assert "查书" in result.output and "续借" in result.output
