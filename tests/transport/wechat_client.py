"""Builds callbacks as WeChat's and WeCom's servers do: signed, and encrypted in safe mode."""
from __future__ import annotations

import hashlib
import itertools
import random
import time
from dataclasses import dataclass
from typing import Any

import xmltodict
from aiohttp.test_utils import TestClient
from wechatpy.crypto import WeChatCrypto
from wechatpy.enterprise.crypto import WeChatCrypto as WeComCrypto

from bot.keys import CLOCK
from bot.reply import cdata
from tests.privacy import register_sent

TOKEN = "shuxiang-test"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APPID = "wxtest00000000001"
ACCOUNT = "gh_0123456789ab"  # the Official Account's original id (ToUserName)
CORP_ID = "wwtestcorp000001"
WECOM_TOKEN = "wecom-test"
WECOM_AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
_ids = itertools.count(6054768590064713728)
# One nonce sequence for every client in the process: two clients on one database never collide.
_nonces = itertools.count(random.randrange(10**9, 2 * 10**9))


def fresh_nonce() -> str:
    """A nonce no earlier callback of this test process used (WeChat's are about ten digits)."""
    return str(next(_nonces))


def app_timestamp(client: TestClient) -> str:
    """Now on the app's injected clock, as WeChat's `timestamp` (Unix seconds): what the server checks."""
    clock = client.app.get(CLOCK) if client.app is not None else None
    return str(int(clock().timestamp() if clock is not None else time.time()))


def sign(*parts: str) -> str:
    """WeChat's signature: sha1 of the sorted, concatenated parts."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def message_xml(fields: dict[str, Any]) -> str:
    nodes = "".join(f"<{k}>{v}</{k}>" if isinstance(v, int) else f"<{k}>{cdata(str(v))}</{k}>"
                    for k, v in fields.items())
    return f"<xml>{nodes}</xml>"


def text_fields(openid: str, text: str, msg_id: int | None = None, to: str = ACCOUNT) -> dict[str, Any]:
    return {"ToUserName": to, "FromUserName": openid, "CreateTime": int(time.time()), "MsgType": "text",
            "Content": text, "MsgId": next(_ids) if msg_id is None else msg_id}


@dataclass
class Answer:
    """What came back: status, raw body, and the reply text (decrypted) or None for `success`."""

    status: int
    body: str
    text: str | None
    encrypted: bool = False


class WeChatTestClient:
    """Posts to /wechat like WeChat's servers: plaintext ("raw"), compatible or safe ("aes") mode."""

    def __init__(self, client: TestClient, *, token: str = TOKEN, aes_key: str = AES_KEY, appid: str = APPID,
                 mode: str = "raw") -> None:
        self.client = client
        self.token = token
        self.crypto = WeChatCrypto(token, aes_key, appid)
        self.mode = mode

    def query(self, body_encrypt: str | None = None, *, openid: str = "") -> dict[str, str]:
        """Signed query parameters with the app clock's time and a fresh nonce, as WeChat sends them."""
        timestamp, nonce = app_timestamp(self.client), fresh_nonce()
        q = {"signature": sign(self.token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}
        if openid:
            q["openid"] = openid
        if body_encrypt is not None:
            q["encrypt_type"] = "aes"
            q["msg_signature"] = sign(self.token, timestamp, nonce, body_encrypt)
        return q

    def build(self, fields: dict[str, Any], mode: str | None = None) -> tuple[dict[str, str], str]:
        """Query and body for one message in the given mode."""
        mode = mode or self.mode
        plain = message_xml(fields)
        if mode == "raw":
            return self.query(openid=fields["FromUserName"]), plain
        # encrypt_message signs with its own timestamp/nonce; we only need its Encrypt value
        encrypt = xmltodict.parse(self.crypto.encrypt_message(plain, "1"))["xml"]["Encrypt"]
        q = self.query(encrypt, openid=fields["FromUserName"])
        if mode == "compat":  # plaintext fields and <Encrypt> side by side
            body = plain.replace("</xml>", f"<Encrypt>{cdata(encrypt)}</Encrypt></xml>")
        else:
            body = f"<xml><ToUserName>{cdata(fields['ToUserName'])}</ToUserName><Encrypt>{cdata(encrypt)}</Encrypt></xml>"
        return q, body

    async def post(self, query: dict[str, str], body: str | bytes) -> Answer:
        resp = await self.client.post("/wechat", params=query, data=body)
        raw = await resp.text()
        return self.read(resp.status, raw)

    def read(self, status: int, raw: str) -> Answer:
        if status != 200 or raw == "success":
            return Answer(status, raw, None)
        doc = xmltodict.parse(raw)["xml"]
        if "Encrypt" in doc:
            plain = self.crypto.decrypt_message(raw, doc["MsgSignature"], doc["TimeStamp"], doc["Nonce"])
            return Answer(status, raw, xmltodict.parse(plain)["xml"]["Content"], encrypted=True)
        return Answer(status, raw, doc["Content"])

    async def send(self, fields: dict[str, Any], mode: str | None = None) -> Answer:
        register_sent(fields["FromUserName"], fields.get("Content"))  # tests/privacy.py: must not reach a log
        q, body = self.build(fields, mode)
        return await self.post(q, body)

    async def send_text(self, openid: str, text: str, *, msg_id: int | None = None, mode: str | None = None) -> Answer:
        """Send a text message as `openid`; returns the bot's reply."""
        return await self.send(text_fields(openid, text, msg_id), mode)

    async def send_event(self, openid: str, event: str, key: str = "", *, create_time: int | None = None,
                         mode: str | None = None) -> Answer:
        fields: dict[str, Any] = {"ToUserName": ACCOUNT, "FromUserName": openid,
                                  "CreateTime": create_time or int(time.time()), "MsgType": "event", "Event": event}
        if key:
            fields["EventKey"] = key
        return await self.send(fields, mode)


class WeComTestClient:
    """Posts to /wecom like WeCom's servers: always encrypted, msg_signature only."""

    def __init__(self, client: TestClient, *, token: str = WECOM_TOKEN, aes_key: str = WECOM_AES_KEY,
                 corp_id: str = CORP_ID) -> None:
        self.client = client
        self.token = token
        self.crypto = WeComCrypto(token, aes_key, corp_id)
        self.corp_id = corp_id

    def build_text(self, user_id: str, text: str, *, msg_id: int | None = None) -> tuple[dict[str, str], str]:
        """Query and body of one text message, signed with the app clock's time and a fresh nonce."""
        fields = text_fields(user_id, text, msg_id, to=self.corp_id)
        register_sent(user_id, text)  # tests/privacy.py: must not reach a log
        fields["AgentID"] = 1000002
        encrypted = self.crypto.encrypt_message(message_xml(fields), fresh_nonce(), app_timestamp(self.client))
        doc = xmltodict.parse(encrypted)["xml"]
        body = (f"<xml><ToUserName>{cdata(self.corp_id)}</ToUserName><AgentID>1000002</AgentID>"
                f"<Encrypt>{cdata(doc['Encrypt'])}</Encrypt></xml>")
        return {"msg_signature": doc["MsgSignature"], "timestamp": doc["TimeStamp"], "nonce": doc["Nonce"]}, body

    async def send_text(self, user_id: str, text: str, *, msg_id: int | None = None) -> Answer:
        """Send a text message as `user_id`; returns the bot's (decrypted) reply."""
        return await self.post(*self.build_text(user_id, text, msg_id=msg_id))

    async def post(self, q: dict[str, str], body: str) -> Answer:
        resp = await self.client.post("/wecom", params=q, data=body)
        raw = await resp.text()
        if resp.status != 200 or raw == "success":
            return Answer(resp.status, raw, None)
        out = xmltodict.parse(raw)["xml"]
        plain = self.crypto.decrypt_message(raw, out["MsgSignature"], out["TimeStamp"], out["Nonce"])
        return Answer(resp.status, raw, xmltodict.parse(plain)["xml"]["Content"], encrypted=True)
