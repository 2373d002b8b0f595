"""The notices pages (/admin/notices) over HTTP, no browser: publish an activity (preview, field errors,
a form sent twice), the activities job and delivery, whom it reached, the outbox with 重发 (twice =
once), the unreachable people, a parent's push preferences, and the role and CSRF rules.

DEFAULT_NOW is Wednesday 2026-11-18 10:00 school time, inside the test term.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select, update

from core.accounts import Binding, bind_directly
from core.clock import FixedClock
from core.library import Library
from core.messaging import FAILED, OutboundMessage, OutboundQueue, Unreachable
from core.models import AuditEntry, ReaderType, SchoolClass
from core.notices.compute import compute
from core.notices.models import Activity
from core.notices.preferences import stopped_topics, unsubscribe
from core.settings import Settings
from core.staff import Role, add_staff
from scheduler.channels.others import ConsolePushChannel
from scheduler.delivery import NoticeDelivery
from tests.console.conftest import PASSWORD, page_csrf, sign_in
from tests.factories import add_guardian, add_reader, add_term

PAGE = "/admin/notices"
DEMO = Settings(demo=True)  # routing as in the demo: every push lands in the console inbox


@dataclass
class School:
    student: int
    other: int
    head: int


@pytest.fixture
def school(library: Library) -> School:
    """三年级2班 (class teacher 李老师, bound as t-li) with 陈思雨 (parents p-liu, p-chen) and 王小明 (p-wang);
    四年级1班 with 赵一 (parent p-zhao)."""
    add_term(library)
    head, _ = add_reader(library, "李老师", ReaderType.TEACHER, card_no="T0002")
    student, _ = add_reader(library, "陈思雨", ReaderType.STUDENT, card_no="S30201", class_name="三年级2班")
    other, _ = add_reader(library, "王小明", ReaderType.STUDENT, class_name="三年级2班")
    fourth, _ = add_reader(library, "赵一", ReaderType.STUDENT, class_name="四年级1班")
    with library.uow() as uow:
        uow.session.execute(update(SchoolClass).where(SchoolClass.name == "三年级2班").values(class_teacher_id=head))
        uow.session.execute(update(SchoolClass).where(SchoolClass.name == "四年级1班").values(grade=4))
        uow.commit()
    for user, guardian in (("p-liu", add_guardian(library, "刘敏", student)),
                           ("p-chen", add_guardian(library, "陈建国", student)),
                           ("p-wang", add_guardian(library, "王家长", other)),
                           ("p-zhao", add_guardian(library, "赵家长", fourth))):
        bind_directly(library, user, guardian_id=guardian)
    bind_directly(library, "t-li", reader_id=head)
    return School(student, other, head)


def field_error(html: str, field: str) -> str:
    match = re.search(rf'class="error field-error" data-field="{field}">([^<]*)<', html)
    return match.group(1) if match else ""


async def post(client: TestClient, path: str, data: dict[str, str | list[str]]) -> tuple[int, str, str]:
    token = await page_csrf(client, PAGE)
    fields = [(k, v) for k, vs in data.items() for v in (vs if isinstance(vs, list) else [vs])]
    response = await client.post(path, data=[*fields, ("csrf", token)], allow_redirects=False)
    return response.status, await response.text(), response.headers.get("Location", "")


FORM: dict[str, str | list[str]] = {
    "title": "亲子共读周", "starts_on": "2026-11-27", "place": "图书室", "grades": ["3"], "classes": "",
    "audience": ["parents", "teachers"], "body": "请和孩子一起读一本书，周五带读书卡到图书室。"}


def run_job(library: Library, clock: FixedClock) -> int:
    return compute(library, DEMO, "activities", clock()).written


async def deliver(library: Library, clock: FixedClock) -> None:
    await NoticeDelivery(library, DEMO, {"console": ConsolePushChannel()}, clock).drain()  # type: ignore[dict-item]


def audit_actions(library: Library, prefix: str) -> list[tuple[str, str]]:
    with library.read_uow() as uow:
        return [(a.action, a.actor) for a in uow.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
                if a.action.startswith(prefix)]


async def test_librarian_previews_publishes_and_sees_whom_it_reached(
        console: TestClient, library: Library, clock: FixedClock, school: School, librarian: str) -> None:
    await sign_in(console, librarian)
    html = await (await console.get(PAGE)).text()
    assert 'href="/admin/notices"' in html and 'id="activity-form"' in html and 'id="no-activities"' in html

    status, html, _ = await post(console, f"{PAGE}/preview", FORM)
    assert status == 200
    preview = re.search(r'id="preview-text">([^<]*)<', html)
    assert preview is not None
    assert preview.group(1) == "【活动通知】亲子共读周（11月27日（周五），图书室）：请和孩子一起读一本书，周五带读书卡到图书室。"
    assert "家长和老师收到的通知（三年级）" in html
    assert "现在发布会发给：家长3个微信账号、老师1个微信账号。" in html and 'id="no-parents"' not in html
    status, html, _ = await post(console, f"{PAGE}/preview", {**FORM, "grades": ["6"]})
    assert "现在发布会发给：家长0个微信账号、老师0个微信账号。" in html and 'id="no-parents"' in html
    with library.read_uow() as uow:
        assert uow.session.scalar(select(Activity.id)) is None  # a preview records nothing

    status, _, location = await post(console, f"{PAGE}/publish", FORM)
    assert status == 303 and re.fullmatch(r"/admin/notices/activity/\d+\?done=published", location)
    html = await (await console.get(location)).text()
    assert "活动已发布" in html and 'id="not-yet"' in html

    assert run_job(library, clock) == 4  # p-liu, p-chen, p-wang and the class teacher t-li
    await deliver(library, clock)
    html = await (await console.get(location)).text()
    assert re.search(r'<tr data-audience="parent"><td>家长</td><td class="int"></td><td class="int"></td>'
                     r'<td class="int">3</td>', html), html
    assert re.search(r'<tr data-audience="staff"><td>老师</td><td class="int"></td><td class="int"></td>'
                     r'<td class="int">1</td>', html)
    assert "刘敏（陈思雨的家长，三年级2班）" in html and "李老师（老师，" not in html and "李老师（老师）" in html
    assert "赵家长" not in html  # 四年级 was not chosen
    for openid in ("p-liu", "p-chen", "p-wang", "t-li"):
        assert openid not in html  # recipients are named, never by their account id
    listing = await (await console.get(PAGE)).text()
    assert re.search(r'>亲子共读周</a><small>（图书室）</small></td>\s*<td>三年级</td>', listing)
    assert audit_actions(library, "activity_") == [("activity_publish", "staff:wang")]


async def test_a_form_sent_twice_publishes_one_activity(console: TestClient, library: Library, school: School,
                                                        librarian: str) -> None:
    await sign_in(console, librarian)
    first = await post(console, f"{PAGE}/publish", FORM)
    second = await post(console, f"{PAGE}/publish", FORM)
    assert first[2].split("?")[0] == second[2].split("?")[0] and second[2].endswith("done=same")
    assert "这个活动之前已经发布过了" in await (await console.get(second[2])).text()
    with library.read_uow() as uow:
        assert len(uow.session.scalars(select(Activity)).all()) == 1
    assert len(audit_actions(library, "activity_")) == 1


async def test_bad_fields_are_named_in_chinese_and_nothing_is_recorded(console: TestClient, library: Library,
                                                                       school: School, librarian: str) -> None:
    await sign_in(console, librarian)
    status, html, _ = await post(console, f"{PAGE}/publish", {
        **FORM, "title": "  ", "starts_on": "11月31日", "classes": "九年级9班", "audience": [], "body": "<b>读书</b>"})
    assert status == 400
    assert field_error(html, "title") == "请填写活动名称，例如“亲子共读周”。"
    assert "不是有效的日期" in field_error(html, "starts_on")
    assert field_error(html, "classes").startswith("没有找到班级“九年级9班”")
    assert field_error(html, "audience") == "请至少选择“家长”或“老师”中的一项。"
    assert "&lt;b&gt;读书&lt;/b&gt;</textarea>" in html  # typed values kept, as text
    status, html, _ = await post(console, f"{PAGE}/publish", {**FORM, "starts_on": "2026-11-17", "body": ""})
    assert status == 400
    assert field_error(html, "starts_on") == "2026-11-17已经过去了，请填今天或以后的日期。"
    assert field_error(html, "body") == "请填写通知内容：做什么、在哪里、要带什么。"
    status, html, _ = await post(console, f"{PAGE}/preview", {**FORM, "starts_on": ""})
    assert status == 400 and field_error(html, "starts_on") == "请填写活动日期，例如 2026-12-04。"
    with library.read_uow() as uow:
        assert uow.session.scalar(select(Activity.id)) is None


async def test_classes_are_read_as_people_type_them(console: TestClient, library: Library, school: School,
                                                    clock: FixedClock, librarian: str) -> None:
    await sign_in(console, librarian)
    status, _, location = await post(console, f"{PAGE}/publish", {
        **FORM, "grades": [], "classes": "四年级一班", "audience": ["parents"]})
    assert status == 303
    run_job(library, clock)
    html = await (await console.get(location)).text()
    assert "赵家长（赵一的家长，四年级1班）" in html and "刘敏" not in html


def _failed_row(library: Library, clock: FixedClock, user: str = "p-liu") -> int:
    queue = OutboundQueue(library.session_factory, clock)
    queue.enqueue(key=f"due:x:{user}", channel="wecom_school", user_id=user, text="《草房子》后天到期。",
                  title="到期提醒")
    with library.uow() as uow:
        row = uow.session.scalars(select(OutboundMessage).where(OutboundMessage.user_id == user)).one()
        row.topic, row.status, row.next_attempt_at, row.attempts = "due_soon", FAILED, None, 8
        row.failed_at, row.last_error = clock(), "errcode -1: system busy"
        uow.commit()
        return row.id


async def test_outbox_counts_by_kind_and_day_and_a_failed_notice_is_resent_once(
        console: TestClient, library: Library, clock: FixedClock, school: School, librarian: str) -> None:
    message_id = _failed_row(library, clock)
    await sign_in(console, librarian)
    await post(console, f"{PAGE}/publish", FORM)
    run_job(library, clock)
    await deliver(library, clock)
    html = await (await console.get(f"{PAGE}/outbox")).text()
    assert re.search(r"<tr><td>2026-11-18</td><td>活动通知</td><td class=\"int\"></td><td class=\"int\"></td>"
                     r"<td class=\"int\">4</td>", html), html
    assert re.search(r'<tr><td>2026-11-18</td><td>到期提醒</td>(<td class="int"></td>){3}<td class="int bad">1</td>', html)
    assert f'<tr data-id="{message_id}"><td>到期提醒</td><td>刘敏（陈思雨的家长，三年级2班）</td>' in html
    assert "《草房子》" not in html and "p-liu" not in html  # no message text, no openid

    status, _, location = await post(console, f"{PAGE}/outbox/retry", {"id": str(message_id)})
    assert status == 303 and location.endswith("done=retried")
    status, _, location = await post(console, f"{PAGE}/outbox/retry", {"id": str(message_id)})
    assert status == 303 and location.endswith("done=already")  # the second click requeues nothing
    with library.read_uow() as uow:
        row = uow.session.get(OutboundMessage, message_id)
        assert row is not None and (row.status, row.attempts, row.next_attempt_at) == ("pending", 0, clock())
    assert audit_actions(library, "notice_retry") == [("notice_retry", "staff:wang")]
    html = await (await console.get(location)).text()
    assert "没有重复发送" in html and 'id="no-failed"' in html


async def test_unreachable_people_are_listed_with_the_reason(console: TestClient, library: Library,
                                                             clock: FixedClock, school: School, librarian: str) -> None:
    with library.uow() as uow:
        uow.session.add(Unreachable(channel="wecom_school", user_id="p-chen", reason="errcode 43101: refused",
                                    since=clock()))
        uow.commit()
    unsubscribe(library, "p-wang", "new_books")
    OutboundQueue(library.session_factory, clock).enqueue(key="x:p-zhao", channel="unrouted", user_id="p-zhao",
                                                          text="t")
    with library.uow() as uow:
        uow.session.execute(update(OutboundMessage).where(OutboundMessage.user_id == "p-zhao")
                            .values(status="skipped", last_error="没有可用的推送渠道", next_attempt_at=None))
        uow.commit()
    await sign_in(console, librarian)
    html = await (await console.get(f"{PAGE}/outbox")).text()
    rows = re.findall(r'<tr data-reason="(\w+)"><td>([^<]*)</td><td>[^<]*</td><td>([^<]*)</td>', html)
    assert rows == [("refused", "陈建国（陈思雨的家长，三年级2班）", "wecom_school：拒收消息"),
                    ("no_channel", "赵家长（赵一的家长，四年级1班）", "1条通知没有可用渠道"),
                    ("unsubscribed", "王家长（王小明的家长，三年级2班）", "新书推荐")]


async def test_librarian_switches_a_parents_topic_off_and_on(console: TestClient, library: Library,
                                                             school: School, librarian: str) -> None:
    await sign_in(console, librarian)
    html = await (await console.get(f"{PAGE}/people", params={"q": "陈思雨"})).text()
    assert "刘敏 <small>陈思雨的家长，三年级2班</small>" in html and "陈建国" in html
    assert "p-liu" not in html  # accounts by binding, never by openid
    with library.read_uow() as uow:
        binding = uow.session.scalar(select(Binding.id).where(Binding.user_id == "p-liu"))
    assert binding is not None
    data = {"binding": str(binding), "topic": "new_books", "on": "0", "q": "陈思雨"}
    status, _, location = await post(console, f"{PAGE}/people/topic", data)
    assert status == 303 and "done=off" in location
    assert stopped_topics(library, "p-liu") == {"new_books"}
    assert (await post(console, f"{PAGE}/people/topic", data))[2].endswith("done=same")  # twice = once
    html = await (await console.get(location)).text()
    assert re.search(rf'data-binding="{binding}">.*?<tr data-topic="new_books"><td>新书推荐</td>'
                     r'<td class="off">已停止</td>', html, re.S)
    await post(console, f"{PAGE}/people/topic", {**data, "on": "1"})
    assert stopped_topics(library, "p-liu") == set()
    assert audit_actions(library, "push_topic") == [("push_topic_off", "staff:wang"), ("push_topic_on", "staff:wang")]
    html = await (await console.get(f"{PAGE}/people", params={"q": "S30201"})).text()  # by the child's card
    assert "刘敏" in html
    html = await (await console.get(f"{PAGE}/people", params={"q": "没有这个人"})).text()
    assert 'id="nobody"' in html


@pytest.mark.parametrize("role", [Role.HELPER, Role.CLASS_TEACHER])
async def test_helpers_and_class_teachers_may_not_open_the_notices_pages(
        console: TestClient, library: Library, school: School, role: Role) -> None:
    add_staff(library, "someone", role, PASSWORD, class_name="三年级2班" if role == Role.CLASS_TEACHER else None)
    await sign_in(console, "someone")
    home = await (await console.get("/admin")).text()
    assert 'href="/admin/notices"' not in home
    for path in (PAGE, f"{PAGE}/outbox", f"{PAGE}/people?q=陈思雨", f"{PAGE}/activity/1"):
        assert (await console.get(path)).status == 403, path
    token = await page_csrf(console, "/admin")
    for path, data in ((f"{PAGE}/publish", FORM), (f"{PAGE}/outbox/retry", {"id": "1"}),
                       (f"{PAGE}/people/topic", {"binding": "1", "topic": "new_books", "on": "0"})):
        fields = [(k, v) for k, vs in data.items() for v in (vs if isinstance(vs, list) else [vs])]
        response = await console.post(path, data=[*fields, ("csrf", token)], allow_redirects=False)
        assert response.status == 403, path
    with library.read_uow() as uow:
        assert uow.session.scalar(select(Activity.id)) is None


async def test_a_post_without_the_csrf_token_is_refused(console: TestClient, library: Library, clock: FixedClock,
                                                        school: School, librarian: str) -> None:
    message_id = _failed_row(library, clock)
    await sign_in(console, librarian)
    fields = [(k, v) for k, vs in FORM.items() for v in (vs if isinstance(vs, list) else [vs])]
    assert (await console.post(f"{PAGE}/publish", data=fields, allow_redirects=False)).status == 403
    assert (await console.post(f"{PAGE}/outbox/retry", data={"id": str(message_id)},
                               allow_redirects=False)).status == 403
    assert (await console.post(f"{PAGE}/publish", data=[*fields, ("csrf", "forged")],
                               allow_redirects=False)).status == 403
    with library.read_uow() as uow:
        assert uow.session.scalar(select(Activity.id)) is None
        row = uow.session.get(OutboundMessage, message_id)
        assert row is not None and row.status == FAILED


async def test_an_unknown_activity_is_404(console: TestClient, school: School, librarian: str) -> None:
    await sign_in(console, librarian)
    assert (await console.get(f"{PAGE}/activity/999")).status == 404


async def test_a_held_notice_is_counted_as_held_until_its_morning(
        console: TestClient, library: Library, clock: FixedClock, school: School, librarian: str) -> None:
    await sign_in(console, librarian)
    _, _, location = await post(console, f"{PAGE}/publish", FORM)
    evening = FixedClock(clock() + timedelta(hours=12))  # 22:00: quiet hours, the rows wait for 07:30
    assert compute(library, DEMO, "activities", evening()).written == 4
    html = await (await console.get(location)).text()
    assert re.search(r'<td class="int" data-state="queued">0</td><td class="int" data-state="held">4</td>', html)
