"""Channels on their own: shared tokens, pacing, robot and template limits, school contacts, config."""
from __future__ import annotations

import asyncio
from datetime import timedelta

import aiohttp
import pytest

from core.clock import FixedClock
from core.library import Library
from core.settings import SettingsError
from scheduler.channels.api import WeixinApi
from scheduler.channels.base import Push
from scheduler.channels.contacts import SchoolContacts
from scheduler.channels.others import RobotChannel, WeChatTemplateChannel, clip_bytes
from scheduler.channels.tokens import SharedTokens
from scheduler.channels.wecom import WeComAppChannel
from scheduler.service import JobsConfig
from tests.scheduler.fake_weixin import APP_SECRET, CORP_ID, SCHOOL_SECRET, FakeWeixin

Fake = tuple[FakeWeixin, str]


def _api(http: aiohttp.ClientSession, base: str, tokens: SharedTokens, secret: str = APP_SECRET) -> WeixinApi:
    return WeixinApi(http, base, tokens, name=f"wecom:{CORP_ID}:{secret}", token_path="/cgi-bin/gettoken",
                     token_params={"corpid": CORP_ID, "corpsecret": secret})


async def test_two_processes_share_one_token_through_the_database(
        sqlite_url: str, fake: Fake, http: aiohttp.ClientSession, clock: FixedClock) -> None:
    api, base = fake
    first = Library.open(sqlite_url, clock=clock, migrate=False)
    second = Library.open(sqlite_url, clock=clock, migrate=False)  # its own engine: another process's view
    try:
        a = WeComAppChannel(_api(http, base, SharedTokens(first.session_factory, clock)), "1000002", clock,
                            per_minute=30, per_hour=1000, per_second=0)
        b = WeComAppChannel(_api(http, base, SharedTokens(second.session_factory, clock)), "1000002", clock,
                            per_minute=30, per_hour=1000, per_second=0)
        results = await asyncio.gather(a.send([Push(1, "u1", "一")]), b.send([Push(2, "u2", "二")]))
        assert all(o.ok for r in results for o in r)
        assert api.tokens_issued == 1
        api.fail_next = [40014, 40014]  # the refreshed token is refused too: give up, do not loop
        outcome = (await a.send([Push(3, "u3", "三")]))[0]
        assert not outcome.ok and outcome.retry and api.tokens_issued == 2
    finally:
        first.close()
        second.close()


async def test_wecom_paces_each_member_to_thirty_a_minute(library: Library, fake: Fake,
                                                          http: aiohttp.ClientSession, clock: FixedClock) -> None:
    api, base = fake
    channel = WeComAppChannel(_api(http, base, SharedTokens(library.session_factory, clock)), "1000002", clock,
                              per_minute=30, per_hour=1000, per_second=0)
    outcomes = await channel.send([Push(i, "busy", f"第{i}条") for i in range(31)])
    assert sum(o.ok for o in outcomes) == 30 and outcomes[-1].hold
    clock.advance(minutes=1, seconds=1)
    assert (await channel.send([Push(99, "busy", "再来一条")]))[0].ok


async def test_same_text_goes_to_at_most_a_thousand_users_per_call(
        library: Library, fake: Fake, http: aiohttp.ClientSession, clock: FixedClock) -> None:
    api, base = fake
    channel = WeComAppChannel(_api(http, base, SharedTokens(library.session_factory, clock)), "1000002", clock,
                              per_minute=30, per_hour=1000, per_second=0)
    outcomes = await channel.send([Push(i, f"t{i}", "本周新书推荐") for i in range(1500)])
    assert all(o.ok for o in outcomes)
    assert [len(p["touser"].split("|")) for p in api.payloads] == [1000, 500]


async def test_group_robot_text_fits_2048_bytes_and_twenty_a_minute(fake: Fake, http: aiohttp.ClientSession,
                                                                    clock: FixedClock, library: Library) -> None:
    api, base = fake
    robots = {"三年级2班": f"{base}/cgi-bin/webhook/send?key=k1"}
    channel = RobotChannel(WeixinApi(http, base, SharedTokens(library.session_factory, clock), name="robot",
                                     token_path="", token_params={}), robots, clock, per_minute=20)
    long = "书" * 1000  # 3000 bytes
    outcomes = await channel.send([Push(i, "group:三年级2班", long) for i in range(21)]
                                  + [Push(99, "group:一年级1班", "没有机器人")])
    assert sum(o.ok for o in outcomes) == 20 and outcomes[20].hold and outcomes[21].unreachable
    assert all(len(d.text.encode()) <= 2048 for d in api.delivered)
    assert clip_bytes("短") == "短"


async def test_template_fields_hold_at_most_twenty_characters(fake: Fake, http: aiohttp.ClientSession,
                                                              clock: FixedClock, library: Library) -> None:
    from tests.scheduler.fake_weixin import APPID, APPSECRET

    api, base = fake
    wx = WeixinApi(http, base, SharedTokens(library.session_factory, clock), name="wechat", token_path="/cgi-bin/token",
                   token_params={"grant_type": "client_credential", "appid": APPID, "secret": APPSECRET})
    channel = WeChatTemplateChannel(wx, template_id="TPL1", fields=["thing1", "thing2", "thing3"], per_second=0)
    text = "陈思雨借的《夏洛的网》明天（11月19日）到期，请提醒孩子按时还到图书室。"
    assert (await channel.send([Push(1, "o-parent", text, "到期提醒")]))[0].ok
    data = api.payloads[0]["data"]
    assert set(data) == {"thing1", "thing2", "thing3"} and all(len(v["value"]) <= 20 for v in data.values())
    assert data["thing2"]["value"].endswith("…")
    api.refuse["o-gone"] = 43101  # the user refused subscription messages
    outcome = (await channel.send([Push(2, "o-gone", text)]))[0]
    assert outcome.unreachable and "43101" in outcome.error


async def test_school_contacts_list_classes_students_and_parents(fake: Fake, http: aiohttp.ClientSession,
                                                                 clock: FixedClock, library: Library) -> None:
    api, base = fake
    api.departments = [{"id": 1, "name": "三年级", "parentid": 0, "type": 2},
                       {"id": 32, "name": "三年级2班", "parentid": 1, "type": 1}]
    api.students = {32: [{"student_userid": "s1", "name": "陈思雨", "department": [32],
                          "parents": [{"parent_userid": "p1", "relation": "妈妈", "mobile": "13800000003"}]}]}
    contacts = SchoolContacts(_api(http, base, SharedTokens(library.session_factory, clock), SCHOOL_SECRET))
    roster = await contacts.roster()
    assert list(roster) == ["三年级2班"]
    assert roster["三年级2班"][0].parents == (("p1", "妈妈", "13800000003"),)


def test_jobs_config_reads_cron_times_and_refuses_unknown_jobs_and_bad_cron() -> None:
    config = JobsConfig.from_table({"overdue": "0 7 * * *", "enabled": True})
    assert config.crons["overdue"] == "0 7 * * *" and config.crons["class-teacher-weekly"] == "0 8 * * mon"
    with pytest.raises(SettingsError):
        JobsConfig.from_table({"overdue-ish": "0 7 * * *"})
    with pytest.raises(SettingsError):
        JobsConfig.from_table({"overdue": "every morning"})


async def test_the_scheduler_fires_jobs_in_shanghai_time() -> None:
    from apscheduler.triggers.cron import CronTrigger

    from core.clock import SCHOOL_TZ, school_datetime
    from tests.scheduler.conftest import TODAY

    trigger = CronTrigger.from_crontab("0 8 * * mon", timezone=SCHOOL_TZ)
    fire = trigger.get_next_fire_time(None, school_datetime(TODAY, 10).astimezone(SCHOOL_TZ))
    assert fire == school_datetime(TODAY + timedelta(days=5), 8)  # Monday 08:00 school time = 00:00 UTC
