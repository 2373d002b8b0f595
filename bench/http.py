"""HTTP benchmark: the real server vs a bare aiohttp + wechatpy echo endpoint, plaintext and safe mode.

Run: .venv/bin/python bench/http.py   (loopback only; a bounded number of requests; ~1 minute)
Each server runs in its own process (one server process, as deployed); this process is the load
generator: 1,000 distinct users send signed "我的借阅" messages at concurrency 50.
Targets: p99 ≤ 50 ms, throughput ≥ 50% of the echo endpoint, safe mode ≤ 20% slower than plaintext.
The server answers with HelpResponder for now; the real handlers will change the numbers.
"""
# ruff: noqa: E402  (the path fix below must run before `import aiohttp`, which imports stdlib http)
from __future__ import annotations

import sys
from pathlib import Path

# This file is named http.py: drop its folder from the import path so `http` is the stdlib's.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import asyncio
import hashlib
import itertools
import multiprocessing as mp
import os
import socket
import statistics
import tempfile
import time

import aiohttp

TOKEN = "bench-token"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APPID = "wxbench000000001"
USERS = 1000
CONCURRENCY = 50
REQUESTS = 6000  # per run
WARMUP = 500


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run_real(port: int, db_url: str) -> None:
    import logging

    from aiohttp import web

    from bot.app import create_app
    from bot.bootstrap import build_settings
    from bot.responder import HelpResponder
    from core.clock import system_clock

    logging.basicConfig(level=logging.WARNING)
    settings = build_settings(db=db_url)
    settings.wechat.token, settings.wechat.aes_key, settings.wechat.appid = TOKEN, AES_KEY, APPID
    app = create_app(settings, responder=HelpResponder(), clock=system_clock)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


def _run_echo(port: int) -> None:
    """The baseline: verify, decrypt, parse with wechatpy, reply with the same text; no database."""
    from aiohttp import web
    from wechatpy import parse_message
    from wechatpy.crypto import WeChatCrypto
    from wechatpy.replies import TextReply
    from wechatpy.utils import check_signature

    crypto = WeChatCrypto(TOKEN, AES_KEY, APPID)

    async def handle(request: web.Request) -> web.Response:
        q = request.query
        check_signature(TOKEN, q["signature"], q["timestamp"], q["nonce"])
        body = await request.text()
        aes = q.get("encrypt_type") == "aes"
        if aes:
            body = crypto.decrypt_message(body, q["msg_signature"], q["timestamp"], q["nonce"])
        msg = parse_message(body)
        xml = TextReply(content=msg.content, message=msg).render()
        if aes:
            xml = crypto.encrypt_message(xml, q["nonce"], q["timestamp"])
        return web.Response(text=xml, content_type="application/xml")

    app = web.Application()
    app.router.add_post("/wechat", handle)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


def _sign(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def _requests(n: int, aes: bool, ids: itertools.count[int]) -> list[tuple[dict[str, str], str]]:
    """Pre-built signed requests, so the load generator spends its time on HTTP, not on crypto."""
    from wechatpy.crypto import WeChatCrypto

    crypto = WeChatCrypto(TOKEN, AES_KEY, APPID)
    out = []
    ts = str(int(time.time()))
    for i in range(n):
        openid = f"o-bench-{i % USERS:05d}"
        plain = (f"<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><FromUserName><![CDATA[{openid}]]>"
                 f"</FromUserName><CreateTime>{ts}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
                 f"<Content><![CDATA[我的借阅]]></Content><MsgId>{next(ids)}</MsgId></xml>")
        nonce = str(100000 + i)
        q = {"signature": _sign(TOKEN, ts, nonce), "timestamp": ts, "nonce": nonce, "openid": openid}
        if aes:
            enc = crypto.encrypt_message(plain, nonce, ts)
            encrypt = enc.split("<Encrypt><![CDATA[", 1)[1].split("]]>", 1)[0]
            q.update(encrypt_type="aes", msg_signature=_sign(TOKEN, ts, nonce, encrypt))
            plain = f"<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
        out.append((q, plain))
    return out


async def _drive(url: str, reqs: list[tuple[dict[str, str], str]]) -> tuple[float, list[float]]:
    latencies: list[float] = []
    it = iter(reqs)
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    async with aiohttp.ClientSession(connector=connector) as session:
        async def worker() -> None:
            for q, body in it:
                t0 = time.perf_counter()
                async with session.post(url, params=q, data=body.encode()) as resp:
                    await resp.read()
                    if resp.status != 200:
                        raise RuntimeError(f"HTTP {resp.status} from {url}")
                latencies.append(time.perf_counter() - t0)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        return time.perf_counter() - started, latencies


async def _wait_up(url: str) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(300):
            try:
                async with session.get(url) as resp:
                    if resp.status in (200, 403, 405):
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def _pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] * 1000


async def _measure(name: str, url: str, aes: bool, ids: itertools.count[int]) -> dict[str, float]:
    await _drive(url, _requests(WARMUP, aes, ids))
    elapsed, lat = await _drive(url, _requests(REQUESTS, aes, ids))
    result = {"rps": len(lat) / elapsed, "p50": _pct(lat, 50), "p99": _pct(lat, 99)}
    print(f"  {name:<28} {result['rps']:8.0f} req/s   p50 {result['p50']:6.1f} ms   p99 {result['p99']:6.1f} ms")
    return result


async def main() -> int:
    ids = itertools.count(7_000_000_000_000_000_000)
    ctx = mp.get_context("spawn")
    with tempfile.TemporaryDirectory() as tmp:
        real_port, echo_port = _free_port(), _free_port()
        real = ctx.Process(target=_run_real, args=(real_port, f"sqlite:///{tmp}/bench.db"), daemon=True)
        echo = ctx.Process(target=_run_echo, args=(echo_port,), daemon=True)
        real.start()
        echo.start()
        try:
            await _wait_up(f"http://127.0.0.1:{real_port}/healthz")
            await _wait_up(f"http://127.0.0.1:{echo_port}/wechat")
            print(f"bench/http.py: {REQUESTS} signed text messages per run, {USERS} users, concurrency "
                  f"{CONCURRENCY}, one server process each (cpus: {os.cpu_count()})")
            res = {}
            for aes in (False, True):
                mode = "safe mode" if aes else "plaintext"
                res["echo", aes] = await _measure(f"echo endpoint, {mode}", f"http://127.0.0.1:{echo_port}/wechat",
                                                  aes, ids)
                res["real", aes] = await _measure(f"shuxiang server, {mode}", f"http://127.0.0.1:{real_port}/wechat",
                                                  aes, ids)
        finally:
            for p in (real, echo):
                p.terminate()
                p.join(5)
    ok = True
    print("ratios (same run):")
    for aes in (False, True):
        mode = "safe mode" if aes else "plaintext"
        ratio = res["real", aes]["rps"] / res["echo", aes]["rps"]
        p99 = res["real", aes]["p99"]
        ok &= ratio >= 0.5 and p99 <= 50
        print(f"  {mode:<10} throughput vs echo {ratio:5.0%} (target ≥ 50%)   p99 {p99:.1f} ms (target ≤ 50 ms)")
    overhead = res["real", False]["rps"] / res["real", True]["rps"] - 1
    ok &= overhead <= 0.20
    print(f"  safe mode costs {overhead:+.0%} time per message vs plaintext (target ≤ +20%)")
    print("note: HelpResponder answers here; the real handlers will change these numbers.")
    print("PASS" if ok else "MISSED A TARGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
