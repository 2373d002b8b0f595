"""`shuxiang contacts sync [--dry-run]`: bind the parents in the WeCom 家校沟通 contacts to their children."""
from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import click

from core.clock import system_clock
from core.settings import SettingsError

if TYPE_CHECKING:
    from core.contacts_sync import RosterStudent, SyncReport
    from core.library import Library
    from core.settings import Settings

DB_HELP = "SQLAlchemy URL or SQLite file; overrides [database] url."


@click.group()
def contacts() -> None:
    """家校通讯录: the WeCom school contacts (classes, students, parents)."""


@contacts.command("sync")
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
@click.option("--db", "db", default=None, envvar="SHUXIANG_DATABASE_URL", help=DB_HELP)
@click.option("--config", "config", type=click.Path(exists=True, dir_okay=False), default=None,
              envvar="SHUXIANG_CONFIG", help="A config.toml.")
def sync(dry_run: bool, db: str | None, config: str | None) -> None:
    """Match WeCom students to readers (class + name) and bind their parents' parent_userid as guardians."""
    from bot.bootstrap import build_settings, open_library
    from core.contacts_sync import sync_school_contacts

    try:
        settings = build_settings(config, db=db)
        if not (settings.wecom.corp_id and settings.channels.school_secret):
            raise SettingsError("需要 [wecom] corp_id 和 [channels] school_secret（家校沟通应用的 Secret）")
        library = open_library(settings, system_clock)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    from scheduler.channels.api import ApiError
    from scheduler.channels.tokens import TokenError

    try:
        roster = asyncio.run(fetch_roster(library, settings))
        report = sync_school_contacts(library, roster, dry_run=dry_run)
    except (ApiError, TokenError) as exc:
        detail = exc.outcome.error if isinstance(exc, ApiError) else str(exc)
        raise click.ClickException(f"读取家校通讯录失败：{detail}") from None
    finally:
        library.close()
    click.echo(describe(report))


async def fetch_roster(library: Library, settings: Settings) -> list[RosterStudent]:
    """Every class's students and parents, read with the 家校沟通 secret as build_channels does."""
    import aiohttp

    from scheduler.channels.api import WeixinApi
    from scheduler.channels.contacts import SchoolContacts, roster_students
    from scheduler.channels.tokens import SharedTokens

    wx, ch = settings.wecom, settings.channels
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        # The same token cache name as the 家校沟通 channel, so both share one access_token.
        api = WeixinApi(session, wx.api_base, SharedTokens(library.session_factory, system_clock),
                        name=f"wecom:{wx.corp_id}:{ch.school_agent_id}", token_path="/cgi-bin/gettoken",
                        token_params={"corpid": wx.corp_id, "corpsecret": ch.school_secret})
        return roster_students(await SchoolContacts(api).roster())


def describe(report: SyncReport) -> str:
    """The report in Chinese, listing the students the librarian has to check by hand."""
    lines = [("试运行，未写入。" if report.dry_run else "家校通讯录已同步。")
             + f"匹配学生 {report.matched} 人，未匹配 {len(report.unmatched)} 人，重名无法确定 {len(report.ambiguous)} 人；"
             f"新建家长 {report.guardians_created} 位，关联已有家长 {report.links_added} 次，新增绑定 {report.bindings_added} 个。"]
    if report.unmatched:
        lines.append("未找到读者（请核对班级和姓名）：" + "、".join(f"{c} {n}" for c, n in report.unmatched))
    if report.ambiguous:
        lines.append("重名，需人工绑定：" + "、".join(f"{c} {n}" for c, n in report.ambiguous))
    return "\n".join(lines)
