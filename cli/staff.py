"""`shuxiang staff add|passwd|list|disable`: the console's accounts (there is no default password)."""
from __future__ import annotations

import sys

import click

from core.clock import system_clock
from core.db import DEFAULT_DB_URL
from core.library import Library
from core.staff import (
    Role,
    StaffError,
    add_staff,
    change_password,
    disable_staff,
    list_staff,
    set_wechat_librarian,
)

ROLE_NAMES = {Role.LIBRARIAN: "图书管理员", Role.HELPER: "小图书管理员", Role.CLASS_TEACHER: "班主任"}
DB_OPTION = click.option("--db", "db_url", default=DEFAULT_DB_URL, show_default=True,
                         envvar="SHUXIANG_DATABASE_URL", help="SQLAlchemy URL or a SQLite file path.")
STDIN_OPTION = click.option("--password-stdin", is_flag=True,
                            help="Read the password from the first line of stdin (for scripts).")


def _password(from_stdin: bool) -> str:
    """The new password: stdin's first line, or asked twice without echo."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("新密码", hide_input=True, confirmation_prompt="再输入一次", err=True)


def _open(db_url: str) -> Library:
    return Library.open(db_url, clock=system_clock, live=False)


@click.group()
def staff() -> None:
    """Console (/admin) accounts: librarian, helper (小图书管理员), class-teacher (班主任)."""


@staff.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--class", "class_name", default=None, help="The class of a class teacher, e.g. 三年级2班.")
@STDIN_OPTION
@DB_OPTION
def add(name: str, role: str, class_name: str | None, password_stdin: bool, db_url: str) -> None:
    """Create an account with its own password (asked twice, or --password-stdin)."""
    password = _password(password_stdin)
    library = _open(db_url)
    try:
        account = add_staff(library, name, Role(role), password, class_name=class_name)
    except StaffError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        library.close()
    where = f"（{account.class_name}）" if account.class_name else ""
    click.echo(f"已添加后台账号 {account.name}：{ROLE_NAMES[account.role]}{where}。登录地址 /admin/login")


@staff.command("passwd")
@click.argument("name")
@STDIN_OPTION
@DB_OPTION
def passwd(name: str, password_stdin: bool, db_url: str) -> None:
    """Set a new password; the account's open sessions end."""
    password = _password(password_stdin)
    library = _open(db_url)
    try:
        change_password(library, name, password)
    except StaffError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        library.close()
    click.echo(f"已修改 {name} 的密码；已登录的浏览器需要重新登录。")


@staff.command("list")
@DB_OPTION
def list_(db_url: str) -> None:
    """Every account: name, role, class, disabled."""
    library = _open(db_url)
    try:
        accounts = list_staff(library)
    finally:
        library.close()
    if not accounts:
        click.echo("还没有后台账号。用 shuxiang staff add 名字 --role librarian 添加第一个。")
    for a in accounts:
        state = "（已停用）" if a.disabled else ""
        click.echo(f"{a.name}\t{ROLE_NAMES[a.role]}\t{a.class_name or '-'}{state}")


@staff.command("disable")
@click.argument("name")
@DB_OPTION
def disable(name: str, db_url: str) -> None:
    """Disable an account: it can no longer sign in, and its sessions end at once."""
    library = _open(db_url)
    try:
        disable_staff(library, name)
    except StaffError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        library.close()
    click.echo(f"已停用 {name}。")


@staff.command("wechat-librarian")
@click.argument("card_no")
@click.option("--off", is_flag=True, help="Take the right away again.")
@DB_OPTION
def wechat_librarian(card_no: str, off: bool, db_url: str) -> None:
    """Let the reader CARD_NO (a teacher's card, bound in WeChat) use the desk commands by message."""
    library = _open(db_url)
    try:
        name = set_wechat_librarian(library, card_no, not off)
    except StaffError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        library.close()
    click.echo(f"{name}（{card_no.upper()}）" + ("不再是微信里的图书管理员。" if off else
                                                "现在可以在微信里用管理员命令了（借出、归还、损坏、缴费、补办、全校逾期…）。"))
