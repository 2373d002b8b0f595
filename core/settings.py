"""Settings from config.toml, each overridable by SHUXIANG_<SECTION>_<KEY>.

Every setting is documented in config.example.toml. Circulation rules live under
[policy] (see core/policy.py) and reading targets under [targets] (core/targets.py); they are
TOML-only because they are nested tables.
"""
from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any, get_type_hints


@dataclass
class ServerSettings:
    host: str = "127.0.0.1"
    port: int = 8080
    reply_deadline_seconds: float = 4.0  # WeChat waits 5 s; answer later past this
    max_body_bytes: int = 65536
    callback_window_seconds: int = 300  # a callback's timestamp may differ this much from our clock, either way
    idle_timeout_seconds: float = 15.0  # a connection that sends no complete request headers for this long is closed
    body_timeout_seconds: float = 10.0  # a request whose body has not fully arrived by then is dropped


@dataclass
class DatabaseSettings:
    url: str = "sqlite:///shuxiang.db"
    echo: bool = False


@dataclass
class SchoolSettings:
    name: str = "书香小学图书室"
    timezone: str = "Asia/Shanghai"
    hours: str = "周一至周五 8:00–16:30（午休 12:00–13:30 照常开放）"
    location: str = "教学楼一层东侧"
    librarian_contact: str = "图书室王老师"


@dataclass
class WeChatSettings:
    """Official Account (公众号) developer settings."""

    token: str = ""
    aes_key: str = ""  # EncodingAESKey, 43 characters; empty = plaintext mode only
    appid: str = ""
    appsecret: str = ""
    api_base: str = "https://api.weixin.qq.com"
    mode: str = ""  # 消息加解密方式 chosen in the admin page: plain | compat | safe; empty = see effective_mode
    follow_url: str = ""  # the Official Account's follow link, printed as a QR code on binding slips; "" = none

    def effective_mode(self) -> str:
        """The mode in force: `mode` if set, else "plain" without an EncodingAESKey and "compat" with one.

        "compat" and "safe" both require an encrypted <Encrypt> part (the only part the signature
        covers); "plain" also accepts plaintext bodies. SettingsError for an unknown or unusable mode.
        """
        mode = self.mode.strip().lower()
        if not mode:
            return "compat" if self.aes_key else "plain"
        if mode not in WECHAT_MODES:
            raise SettingsError(f"[wechat] mode: expected one of {', '.join(WECHAT_MODES)}, got {self.mode!r}")
        if mode != "plain" and not self.aes_key:
            raise SettingsError(f"[wechat] mode = {mode!r} needs the EncodingAESKey ([wechat] aes_key)")
        return mode


WECHAT_MODES = ("plain", "compat", "safe")


@dataclass
class WeComSettings:
    """WeCom (企业微信) self-built app settings."""

    corp_id: str = ""
    agent_id: str = ""
    secret: str = ""
    token: str = ""
    aes_key: str = ""
    api_base: str = "https://qyapi.weixin.qq.com"


@dataclass
class NoticeSettings:
    """When notices may go out and through which channels, in order of preference."""

    quiet_start: str = "21:00"  # nothing is pushed from here ...
    quiet_end: str = "07:30"  # ... until here, nor on closed days (held, not dropped)
    overdue_repeat_days: int = 7  # 催书 again every 7 days while the book is out
    term_end_days: int = 14  # 期末还书 this many days before the term's last day
    new_books_days: int = 7  # the 新书推荐 digest covers titles added in these days
    staff_channels: str = "wecom_app wechat_template wechat_cs"  # teachers, class teachers, librarians
    parent_channels: str = "wecom_school wechat_template wechat_cs"  # parents (students have no WeChat)
    demo_console: bool = True  # in demo mode every push goes to the simulator's inbox
    batch_size: int = 200  # outbox rows claimed per delivery round


@dataclass
class ChannelSettings:
    """Push channels beyond [wechat]/[wecom]: 家校沟通, group robots, template messages, pacing."""

    school_agent_id: str = ""  # 家校沟通 → 家长通知 application AgentId (parents' school notices)
    school_secret: str = ""  # its Secret (also reads the school contacts: classes, students, parents)
    template_id: str = ""  # Official Account template (服务号): 3 fields, each ≤ 20 characters
    template_fields: str = "thing1 thing2 thing3"  # field names of that template: title, what, what next
    robots: dict[str, str] = field(default_factory=dict)  # class name → group robot webhook URL
    wecom_per_minute: int = 30  # WeCom drops messages past 30/min and 1000/h per member: pace below
    wecom_per_hour: int = 1000
    robot_per_minute: int = 20  # per group robot
    requests_per_second: float = 20.0  # per channel, all recipients together


@dataclass
class ConsoleSettings:
    idle_minutes: int = 30  # a console session unused this long ends (sign in again)
    trust_forwarded_for: bool = False  # behind a reverse proxy: the client address is X-Forwarded-For's last entry
    public_url: str = ""  # how staff reach this server, e.g. https://lib.school.cn; "" = replies name the page only


@dataclass
class CatalogueSettings:
    """[catalogue]: how the console proposes barcodes for new copies (core.catalogue_admin.barcodes)."""

    barcode_pattern: str = "B#######"  # a fixed prefix, then one '#' per digit: B0000001, B0000002, ...


@dataclass
class DeskSettings:
    """The desk by message (bot/handlers/staff.py): who besides the librarian may lend and return."""

    helper_cards: str = ""  # card numbers of student helpers (小图书管理员), space-separated

    def helpers(self) -> frozenset[str]:
        """The helpers' card numbers, upper-case (as cards are stored)."""
        return frozenset(card.upper() for card in self.helper_cards.replace(",", " ").split())


@dataclass
class LabelSettings:
    """A4 sticker sheets for spine and barcode labels (core/labels/layout.py): mm, font size in pt.

    Defaults: A4 40-up, 4 columns × 10 rows of 45.7 × 25.4 mm; the label size follows from the margins and gaps.
    """

    rows: int = 10
    columns: int = 4
    margin_top: float = 21.5
    margin_bottom: float = 21.5
    margin_left: float = 9.7
    margin_right: float = 9.7
    gap_x: float = 2.6  # between columns
    gap_y: float = 0.0  # between rows
    font_size: float = 9.0


@dataclass
class Settings:
    server: ServerSettings = field(default_factory=ServerSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    school: SchoolSettings = field(default_factory=SchoolSettings)
    wechat: WeChatSettings = field(default_factory=WeChatSettings)
    wecom: WeComSettings = field(default_factory=WeComSettings)
    policy: dict[str, Any] = field(default_factory=dict)  # raw [policy] table, see core.policy
    jobs: dict[str, Any] = field(default_factory=dict)  # raw [jobs] table, see scheduler
    targets: dict[str, Any] = field(default_factory=dict)  # raw [targets] table, see core.targets
    notices: NoticeSettings = field(default_factory=NoticeSettings)
    channels: ChannelSettings = field(default_factory=ChannelSettings)
    console: ConsoleSettings = field(default_factory=ConsoleSettings)
    desk: DeskSettings = field(default_factory=DeskSettings)
    labels: LabelSettings = field(default_factory=LabelSettings)
    catalogue: CatalogueSettings = field(default_factory=CatalogueSettings)
    demo: bool = False


class SettingsError(ValueError):
    pass


def _coerce(value: str, kind: type, name: str) -> Any:
    if kind is bool:
        low = value.strip().lower()
        if low in {"1", "true", "yes", "on"}:
            return True
        if low in {"0", "false", "no", "off", ""}:
            return False
        raise SettingsError(f"{name}: expected true/false, got {value!r}")
    if kind is int:
        try:
            return int(value)
        except ValueError:
            raise SettingsError(f"{name}: expected an integer, got {value!r}") from None
    if kind is float:
        try:
            return float(value)
        except ValueError:
            raise SettingsError(f"{name}: expected a number, got {value!r}") from None
    return value


def _fill(section: Any, table: Mapping[str, Any], section_name: str) -> None:
    known = {f.name for f in fields(section)}
    for key, value in table.items():
        if key not in known:
            raise SettingsError(f"unknown setting [{section_name}] {key}")
        setattr(section, key, value)


def load_settings(path: str | Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read TOML (if given), then apply SHUXIANG_<SECTION>_<KEY> environment overrides."""
    environ = os.environ if environ is None else environ
    settings = Settings()
    data: dict[str, Any] = {}
    if path is not None:
        with open(path, "rb") as fh:
            try:
                data = tomllib.load(fh)
            except tomllib.TOMLDecodeError as exc:
                raise SettingsError(f"{path}: {exc}") from None
    for name, table in data.items():
        if name in ("policy", "jobs", "targets"):
            setattr(settings, name, dict(table))
            continue
        section = getattr(settings, name, None)
        if not is_dataclass(section):
            raise SettingsError(f"unknown section [{name}] in {path}")
        _fill(section, table, name)
    for f in fields(settings):
        section = getattr(settings, f.name)
        if not is_dataclass(section):
            continue
        hints = get_type_hints(type(section))
        for sf in fields(section):
            env_name = f"SHUXIANG_{f.name}_{sf.name}".upper()
            if env_name in environ:
                setattr(section, sf.name, _coerce(environ[env_name], hints[sf.name], env_name))
    validate(settings)
    return settings


def validate(settings: Settings) -> None:
    """SettingsError for values no server can run with (checked at start-up, not at the first message)."""
    settings.wechat.effective_mode()
    from core.targets import Targets  # core.targets imports SettingsError from here

    Targets.from_config(settings.targets)  # SettingsError naming the key
    from core.labels.layout import LayoutError, sheet_layout

    try:
        sheet_layout(settings.labels)
    except LayoutError as exc:
        raise SettingsError(f"[labels] {exc}") from None
    if settings.wechat.follow_url and not settings.wechat.follow_url.startswith(("https://", "http://")):
        raise SettingsError(f"[wechat] follow_url must start with https://, got {settings.wechat.follow_url!r}")
    server = settings.server
    for name in ("callback_window_seconds", "idle_timeout_seconds", "body_timeout_seconds"):
        if getattr(server, name) <= 0:
            raise SettingsError(f"[server] {name} must be positive, got {getattr(server, name)}")
    if settings.console.idle_minutes <= 0:
        raise SettingsError(f"[console] idle_minutes must be positive, got {settings.console.idle_minutes}")
    if settings.console.public_url and not settings.console.public_url.startswith(("https://", "http://")):
        raise SettingsError(f"[console] public_url must start with https://, got {settings.console.public_url!r}")
    from core.catalogue_admin.pattern import BarcodePattern  # imports SettingsError from here

    BarcodePattern.parse(settings.catalogue.barcode_pattern)  # SettingsError naming the key
