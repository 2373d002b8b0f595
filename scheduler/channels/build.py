"""Build the configured channels from settings (one shared token cache, one HTTP session)."""
from __future__ import annotations

import aiohttp

from core.clock import Clock
from core.notices.routing import configured_channels
from core.settings import Settings
from scheduler.channels.api import WeixinApi
from scheduler.channels.base import Channel
from scheduler.channels.others import (
    ConsolePushChannel,
    RobotChannel,
    WeChatServiceChannel,
    WeChatTemplateChannel,
)
from scheduler.channels.tokens import SharedTokens
from scheduler.channels.wecom import WeComAppChannel, WeComSchoolChannel


def build_channels(settings: Settings, session: aiohttp.ClientSession, tokens: SharedTokens,
                   clock: Clock) -> dict[str, Channel]:
    """Every channel whose credentials are configured, by name; the console always."""
    wx, wc, ch = settings.wecom, settings.wechat, settings.channels
    found = configured_channels(settings)
    channels: dict[str, Channel] = {"console": ConsolePushChannel()}
    pace = {"per_minute": ch.wecom_per_minute, "per_hour": ch.wecom_per_hour, "per_second": ch.requests_per_second}
    if "wecom_app" in found:
        api = WeixinApi(session, wx.api_base, tokens, name=f"wecom:{wx.corp_id}:{wx.agent_id}",
                        token_path="/cgi-bin/gettoken", token_params={"corpid": wx.corp_id, "corpsecret": wx.secret})
        channels["wecom_app"] = WeComAppChannel(api, wx.agent_id, clock, **pace)
    if "wecom_school" in found:
        api = WeixinApi(session, wx.api_base, tokens, name=f"wecom:{wx.corp_id}:{ch.school_agent_id}",
                        token_path="/cgi-bin/gettoken",
                        token_params={"corpid": wx.corp_id, "corpsecret": ch.school_secret})
        channels["wecom_school"] = WeComSchoolChannel(api, ch.school_agent_id, clock, **pace)
    if "wechat_cs" in found or "wechat_template" in found:
        api = WeixinApi(session, wc.api_base, tokens, name=f"wechat:{wc.appid}", token_path="/cgi-bin/token",
                        token_params={"grant_type": "client_credential", "appid": wc.appid, "secret": wc.appsecret})
        channels["wechat_cs"] = WeChatServiceChannel(api, per_second=ch.requests_per_second)
        if "wechat_template" in found:
            channels["wechat_template"] = WeChatTemplateChannel(
                api, template_id=ch.template_id, fields=ch.template_fields.split(), per_second=ch.requests_per_second)
    if "robot" in found:
        api = WeixinApi(session, wx.api_base, tokens, name="robot", token_path="", token_params={})
        channels["robot"] = RobotChannel(api, ch.robots, clock, per_minute=ch.robot_per_minute)
    return channels


def build_reply_channels(settings: Settings, session: aiohttp.ClientSession, tokens: SharedTokens,
                         clock: Clock) -> dict[str, Channel]:
    """Late answers go back on the channel the question came from: "wechat" (Official Account
    customer-service message, needs appid + appsecret) and "wecom" (the WeCom app, needs corp_id,
    secret and agent_id). Same token names as the notices: one cached token per app for everything."""
    wx, wc, ch = settings.wecom, settings.wechat, settings.channels
    channels: dict[str, Channel] = {}
    if wc.appid and wc.appsecret:
        api = WeixinApi(session, wc.api_base, tokens, name=f"wechat:{wc.appid}", token_path="/cgi-bin/token",
                        token_params={"grant_type": "client_credential", "appid": wc.appid, "secret": wc.appsecret})
        channels["wechat"] = WeChatServiceChannel(api, per_second=ch.requests_per_second)
    if wx.corp_id and wx.secret and wx.agent_id:
        api = WeixinApi(session, wx.api_base, tokens, name=f"wecom:{wx.corp_id}:{wx.agent_id}",
                        token_path="/cgi-bin/gettoken", token_params={"corpid": wx.corp_id, "corpsecret": wx.secret})
        channels["wecom"] = WeComAppChannel(api, wx.agent_id, clock, per_minute=ch.wecom_per_minute,
                                            per_hour=ch.wecom_per_hour, per_second=ch.requests_per_second)
    return channels
