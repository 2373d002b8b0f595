"""Staff accounts in core: argon2 hashes, the exact sign-in throttle under concurrent attempts, the CLI."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from cli.main import main
from core.library import Library
from core.models import SchoolClass, StaffAccount
from core.staff import Reason, Role, SignInRefused, StaffError, add_staff, list_staff, sign_in

PASSWORD = "correct-horse-1"


def _attempt(library: Library, password: str, address: str) -> Reason | None:
    try:
        sign_in(library, "wang", password, address)
    except SignInRefused as refused:
        return refused.reason
    return None


def test_passwords_are_stored_only_as_argon2_hashes(library: Library) -> None:
    add_staff(library, "wang", Role.LIBRARIAN, PASSWORD)
    with library.uow() as uow:
        stored = uow.session.scalar(select(StaffAccount.password_hash))
    assert stored is not None and stored.startswith("$argon2id$") and PASSWORD not in stored
    with pytest.raises(StaffError, match="至少 8 个字符"):
        add_staff(library, "li", Role.HELPER, "short")


def test_concurrent_wrong_passwords_are_counted_exactly(library: Library) -> None:
    add_staff(library, "wang", Role.LIBRARIAN, PASSWORD)
    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(lambda n: _attempt(library, "wrong", f"10.1.0.{n}"), range(12)))
    assert outcomes.count(Reason.WRONG) == 5
    assert outcomes.count(Reason.THROTTLED) == 7
    assert _attempt(library, PASSWORD, "10.9.9.9") == Reason.THROTTLED


def test_a_class_teacher_needs_an_existing_class(library: Library) -> None:
    with pytest.raises(StaffError, match="--class"):
        add_staff(library, "li", Role.CLASS_TEACHER, PASSWORD)
    with pytest.raises(StaffError, match="没有“三年级9班”这个班级"):
        add_staff(library, "li", Role.CLASS_TEACHER, PASSWORD, class_name="三年级9班")
    with library.uow() as uow:
        uow.session.add(SchoolClass(name="三年级2班", grade=3))
        uow.commit()
    assert add_staff(library, "li", Role.CLASS_TEACHER, PASSWORD, class_name="三年级2班").class_name == "三年级2班"


def test_the_staff_commands_add_list_change_and_disable(db_url: str, library: Library) -> None:
    runner = CliRunner()
    added = runner.invoke(main, ["staff", "add", "wang", "--role", "librarian", "--password-stdin", "--db", db_url],
                          input=PASSWORD + "\n")
    assert added.exit_code == 0, added.output
    assert "已添加后台账号 wang：图书管理员" in added.output
    twice = runner.invoke(main, ["staff", "add", "wang", "--role", "helper", "--db", db_url],
                          input="another-pass\nanother-pass\n")
    assert twice.exit_code == 1 and "已经存在" in twice.output
    helper = runner.invoke(main, ["staff", "add", "xiao", "--role", "helper", "--db", db_url],
                           input="another-pass\nmismatch-pass\nanother-pass\nanother-pass\n")
    assert helper.exit_code == 0, helper.output
    listed = runner.invoke(main, ["staff", "list", "--db", db_url])
    assert listed.output.splitlines() == ["wang\t图书管理员\t-", "xiao\t小图书管理员\t-"]

    changed = runner.invoke(main, ["staff", "passwd", "wang", "--password-stdin", "--db", db_url],
                            input="new-password-2\n")
    assert changed.exit_code == 0, changed.output
    assert _attempt(library, PASSWORD, "10.0.0.1") == Reason.WRONG
    assert _attempt(library, "new-password-2", "10.0.0.1") is None

    assert runner.invoke(main, ["staff", "disable", "xiao", "--db", db_url]).exit_code == 0
    assert [(s.name, s.disabled) for s in list_staff(library)] == [("wang", False), ("xiao", True)]
    missing = runner.invoke(main, ["staff", "disable", "nobody", "--db", db_url])
    assert missing.exit_code == 1 and "没有名为“nobody”的后台账号" in missing.output


def test_a_fresh_install_has_no_staff_account(tmp_path: Path) -> None:
    runner = CliRunner()
    listed = runner.invoke(main, ["staff", "list", "--db", f"sqlite:///{tmp_path}/fresh.db"])
    assert listed.exit_code == 0 and "还没有后台账号" in listed.output


def test_a_teachers_card_is_made_the_wechat_librarian_and_back(db_url: str, library: Library) -> None:
    from core.models import Reader, ReaderType
    from tests.factories import add_reader

    add_reader(library, "张老师", ReaderType.TEACHER, card_no="T0042")
    add_reader(library, "王小明", ReaderType.STUDENT, card_no="S30201")
    runner = CliRunner()
    on = runner.invoke(main, ["staff", "wechat-librarian", "t0042", "--db", db_url])
    assert on.exit_code == 0 and "张老师（T0042）现在可以在微信里用管理员命令了" in on.output, on.output
    student = runner.invoke(main, ["staff", "wechat-librarian", "S30201", "--db", db_url])
    assert student.exit_code == 1 and "helper_cards" in student.output
    unknown = runner.invoke(main, ["staff", "wechat-librarian", "T9999", "--db", db_url])
    assert unknown.exit_code == 1 and "没有证号 T9999" in unknown.output
    with library.uow() as uow:
        assert uow.session.scalar(select(Reader.is_librarian).where(Reader.card_no == "T0042")) is True
    off = runner.invoke(main, ["staff", "wechat-librarian", "T0042", "--off", "--db", db_url])
    assert off.exit_code == 0
    with library.uow() as uow:
        assert uow.session.scalar(select(Reader.is_librarian).where(Reader.card_no == "T0042")) is False
