"""Syncing the WeCom 家校沟通 contacts: students matched by class + name, parents bound as guardians."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select

from cli.contacts import describe, fetch_roster
from core.accounts import Binding, identify
from core.contacts_sync import RosterParent, RosterStudent, SyncReport, phone_digits, sync_school_contacts
from core.library import Library
from core.models import Guardian, GuardianStudent, Reader, ReaderType
from scheduler.jobs import Deps, run_due_reminders
from tests.factories import add_guardian, add_reader
from tests.scheduler.conftest import TODAY, School, add_loan, at, push_settings
from tests.scheduler.fake_weixin import FakeWeixin

Fake = tuple[FakeWeixin, str]


def _counts(library: Library) -> tuple[int, int, int]:
    """(guardians, guardian links, bindings)."""
    with library.read_uow() as uow:
        s = uow.session
        return (s.scalar(select(func.count()).select_from(Guardian)) or 0,
                s.scalar(select(func.count()).select_from(GuardianStudent)) or 0,
                s.scalar(select(func.count()).select_from(Binding)) or 0)


def _student(library: Library, name: str, class_name: str = "三年级2班") -> int:
    return add_reader(library, name, ReaderType.STUDENT, class_name=class_name)[0]


def test_parents_of_matched_students_become_bound_guardians_and_the_rest_is_reported(library: Library) -> None:
    chen = _student(library, "陈思雨")
    _student(library, "李想")
    _student(library, "李想")  # two readers of one name in one class: never guessed
    roster = [RosterStudent("陈思雨", "3(2)班", (RosterParent("p-mum", "妈妈", "13800000003"),
                                                   RosterParent("p-dad", "", ""))),
              RosterStudent("李想", "三年级2班", (RosterParent("p-li", "爸爸", "13900000000"),)),
              RosterStudent("赵一", "三年级2班", (RosterParent("p-zhao", "妈妈", "13700000000"),))]
    report = sync_school_contacts(library, roster)
    assert report.matched == 1 and report.unmatched == [("三年级2班", "赵一")]
    assert report.ambiguous == [("三年级2班", "李想")]
    assert (report.guardians_created, report.links_added, report.bindings_added) == (2, 0, 2)
    identity = identify(library, "p-mum")
    assert identity is not None and [c.reader_id for c in identity.children] == [chen]
    with library.read_uow() as uow:
        names = sorted(uow.session.scalars(select(Guardian.name)))
        phones = set(uow.session.scalars(select(Guardian.phone)))
        assert names == ["陈思雨的妈妈", "陈思雨的家长"] and phones == {"13800000003", ""}
        assert uow.session.get(Reader, chen).name == "陈思雨"  # readers are never changed
    assert identify(library, "p-li") is None and identify(library, "p-zhao") is None


def test_an_existing_guardian_with_the_same_phone_is_bound_not_duplicated(library: Library) -> None:
    chen = _student(library, "陈思雨")
    mother = add_guardian(library, "刘敏", chen)
    with library.uow() as uow:
        uow.session.get(Guardian, mother).phone = "138 0000 0003"
        uow.commit()
    report = sync_school_contacts(library, [RosterStudent("陈思雨", "三年级2班",
                                                          (RosterParent("p-mum", "妈妈", "+86 138-0000-0003"),))])
    assert (report.guardians_created, report.bindings_added) == (0, 1)
    identity = identify(library, "p-mum")
    assert identity is not None and identity.guardian_id == mother


def test_a_second_run_changes_nothing_and_a_sibling_joins_the_same_guardian(library: Library) -> None:
    chen = _student(library, "陈思雨")
    brother = _student(library, "陈思远", "一年级1班")
    mum = RosterParent("p-mum", "妈妈", "")  # no phone: found again through its binding
    roster = [RosterStudent("陈思雨", "三年级2班", (mum,)), RosterStudent("陈思远", "1(1)班", (mum,))]
    first = sync_school_contacts(library, roster)
    assert (first.guardians_created, first.links_added, first.bindings_added) == (1, 1, 1)
    before = _counts(library)
    again = sync_school_contacts(library, roster)
    assert (again.matched, again.guardians_created, again.links_added, again.bindings_added) == (2, 0, 0, 0)
    assert _counts(library) == before == (1, 2, 1)
    identity = identify(library, "p-mum")
    assert identity is not None and {c.reader_id for c in identity.children} == {chen, brother}


def test_a_dry_run_reports_but_writes_nothing(library: Library) -> None:
    _student(library, "陈思雨")
    roster = [RosterStudent("陈思雨", "三年级2班", (RosterParent("p-mum", "妈妈", "13800000003"),))]
    report = sync_school_contacts(library, roster, dry_run=True)
    assert (report.matched, report.guardians_created, report.bindings_added) == (1, 1, 1)
    assert _counts(library) == (0, 0, 0)
    assert "试运行" in describe(report)


def test_two_wecom_students_of_one_name_are_ambiguous_even_with_one_reader(library: Library) -> None:
    _student(library, "王小明")
    twins = [RosterStudent("王小明", "三年级2班", (RosterParent(f"p-{n}", "妈妈", ""),)) for n in (1, 2)]
    report = sync_school_contacts(library, twins)
    assert report.matched == 0 and len(report.ambiguous) == 2 and _counts(library) == (0, 0, 0)


def test_phone_digits_and_the_report_text() -> None:
    assert phone_digits("+86 138-0000-0003") == phone_digits("13800000003") == "13800000003"
    text = describe(SyncReport(matched=3, unmatched=[("三年级2班", "赵一")], ambiguous=[("三年级2班", "李想")],
                               guardians_created=2, bindings_added=4))
    assert "匹配学生 3 人" in text and "三年级2班 赵一" in text and "重名，需人工绑定：三年级2班 李想" in text


async def test_synced_from_the_fake_wecom_a_parent_then_gets_the_school_notice(
        library: Library, school: School, deps: Deps, fake: Fake, http: aiohttp.ClientSession) -> None:
    api, base = fake
    api.departments = [{"id": 1, "name": "三年级", "parentid": 0, "type": 2},
                       {"id": 32, "name": "3年级(2)班", "parentid": 1, "type": 1}]
    api.students = {32: [{"student_userid": "s1", "name": "王小明", "department": [32],
                          "parents": [{"parent_userid": "wx-wang-mum", "relation": "妈妈", "mobile": "13800000009"}]},
                         {"student_userid": "s2", "name": "新同学", "department": [32], "parents": []}]}
    roster = await fetch_roster(library, push_settings(base))
    report = sync_school_contacts(library, roster)
    assert report.matched == 1 and report.unmatched == [("三年级2班", "新同学")] and report.bindings_added == 1
    add_loan(library, school.other_student, "草房子", TODAY + timedelta(days=1))
    await run_due_reminders(deps, at(TODAY))
    await deps.delivery.drain()  # type: ignore[union-attr]
    texts = [d.text for d in api.delivered if (d.api, d.user) == ("wecom_school", "wx-wang-mum")]
    assert texts and "草房子" in texts[0]


def test_the_cli_refuses_without_the_school_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from cli.main import main

    monkeypatch.delenv("SHUXIANG_CHANNELS_SCHOOL_SECRET", raising=False)
    result = CliRunner().invoke(main, ["contacts", "sync", "--dry-run", "--db", f"sqlite:///{tmp_path}/x.db"])
    assert result.exit_code != 0 and "school_secret" in result.output
