"""WeChat's and WeCom's published crypto samples, decrypted by wechatpy and by our endpoints."""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import xmltodict
from aiohttp.test_utils import TestClient
from wechatpy.crypto import WeChatCrypto

from core.clock import FixedClock
from core.library import Library
from core.settings import Settings
from tests.transport.conftest import AppFactory, CountingResponder
from tests.transport.wechat_client import sign

OA_TOKEN, OA_KEY, OA_APPID = "spamtest", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wx2c2769f8efd9abc2"
OA_TS, OA_NONCE, OA_SIG = "1409735669", "1320562132", "5d197aaffba7e9b25a30732f161a50dee96bd5fa"
OA_ENCRYPT = (
    "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9"
    "FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3y"
    "t+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v"
    "6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE="
)
WECOM_TOKEN, WECOM_KEY, WECOM_CORP = "QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7"
WECOM_SIG, WECOM_TS, WECOM_NONCE = "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3", "1409659589", "263014780"
WECOM_ECHO = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="


def test_official_account_sample_decrypts_with_wechatpy() -> None:
    plain = WeChatCrypto(OA_TOKEN, OA_KEY, OA_APPID).decrypt_message(
        f"<xml><Encrypt><![CDATA[{OA_ENCRYPT}]]></Encrypt></xml>", OA_SIG, OA_TS, OA_NONCE)
    msg = xmltodict.parse(plain)["xml"]
    assert (msg["FromUserName"], msg["Content"], msg["MsgId"]) == ("oyORnuP8q7ou2gfYjqLzSIWZf0rs", "abcdteT",
                                                                     "6054768590064713728")
    assert sign(OA_TOKEN, OA_TS, OA_NONCE, OA_ENCRYPT) == OA_SIG


def _sample_settings(settings: Settings) -> Settings:
    return replace(settings, wechat=replace(settings.wechat, token=OA_TOKEN, aes_key=OA_KEY, appid=OA_APPID),
                   wecom=replace(settings.wecom, token=WECOM_TOKEN, aes_key=WECOM_KEY, corp_id=WECOM_CORP))


def at(timestamp: str) -> datetime:
    """The instant a published sample was signed: the server's clock is set there (the window is ±5 min)."""
    return datetime.fromtimestamp(int(timestamp), UTC)


async def test_official_account_sample_through_the_endpoint(make_client: AppFactory, library: Library,
                                                            settings: Settings, clock: FixedClock) -> None:
    clock.set(at(OA_TS))
    responder = CountingResponder()
    client: TestClient = await make_client(library, responder, settings=_sample_settings(settings))
    resp = await client.post("/wechat", params={
        "signature": sign(OA_TOKEN, OA_TS, OA_NONCE), "timestamp": OA_TS, "nonce": OA_NONCE,
        "encrypt_type": "aes", "msg_signature": OA_SIG, "openid": "oyORnuP8q7ou2gfYjqLzSIWZf0rs"},
        data=f"<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName><Encrypt><![CDATA[{OA_ENCRYPT}]]>"
             f"</Encrypt></xml>")
    assert resp.status == 200
    out = xmltodict.parse(await resp.text())["xml"]
    assert out["MsgSignature"] == sign(OA_TOKEN, out["TimeStamp"], out["Nonce"], out["Encrypt"])
    (message,) = responder.calls
    assert (message.user_id, message.text, message.msg_id) == ("oyORnuP8q7ou2gfYjqLzSIWZf0rs", "abcdteT",
                                                               "6054768590064713728")


async def test_wecom_url_verification_returns_the_exact_plaintext(make_client: AppFactory, library: Library,
                                                                  settings: Settings, clock: FixedClock) -> None:
    clock.set(at(WECOM_TS))
    client: TestClient = await make_client(library, CountingResponder(), settings=_sample_settings(settings))
    resp = await client.get("/wecom", params={"msg_signature": WECOM_SIG, "timestamp": WECOM_TS,
                                              "nonce": WECOM_NONCE, "echostr": WECOM_ECHO})
    assert resp.status == 200
    assert await resp.read() == b"1616140317555161061"  # no quotes, BOM or newline


def test_our_crypto_decrypts_the_published_samples_and_stock_wechatpy_reads_what_it_encrypts() -> None:
    from wechatpy.enterprise.crypto import WeChatCrypto as StockWeCom

    from bot.crypto import OfficialAccountCrypto, WeComCrypto

    ours = OfficialAccountCrypto(OA_TOKEN, OA_KEY, OA_APPID)
    plain = ours.decrypt_message({"Encrypt": OA_ENCRYPT}, OA_SIG, OA_TS, OA_NONCE)
    assert "<Content><![CDATA[abcdteT]]></Content>" in plain
    assert WeComCrypto(WECOM_TOKEN, WECOM_KEY, WECOM_CORP).check_signature(
        WECOM_SIG, WECOM_TS, WECOM_NONCE, WECOM_ECHO) == "1616140317555161061"
    reply = "<xml><Content><![CDATA[续借成功]]></Content></xml>"
    for mine, stock in ((ours, WeChatCrypto(OA_TOKEN, OA_KEY, OA_APPID)),
                        (WeComCrypto(WECOM_TOKEN, WECOM_KEY, WECOM_CORP),
                         StockWeCom(WECOM_TOKEN, WECOM_KEY, WECOM_CORP))):
        first, second = (xmltodict.parse(mine.encrypt_message(reply, "42", "1700000000"))["xml"] for _ in range(2))
        assert first["Encrypt"] != second["Encrypt"]  # a fresh random prefix each time
        for envelope in (first, second):
            assert stock.decrypt_message({"Encrypt": envelope["Encrypt"]}, envelope["MsgSignature"],
                                         "1700000000", "42") == reply
