"""Connections against a real `shuxiang serve` process and raw sockets: half-open and slow clients are
timed out, a client that leaves mid-body is one INFO line, running out of descriptors is one WARNING a second."""
from __future__ import annotations

import hashlib
import os
import re
import resource
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.serving import RateLimit

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "conn-test"
IDLE, BODY = 1.5, 1.5  # the server's [server] idle and body timeouts in these tests
FD_LIMIT = 160  # the server process's descriptor limit, so the test can exhaust it cheaply


@dataclass
class Server:
    port: int
    log: Path
    process: subprocess.Popen[bytes]

    def log_since(self, offset: int, settle: float = 0.3) -> str:
        time.sleep(settle)  # let the server write its lines
        return self.log.read_bytes()[offset:].decode(errors="replace")

    def log_size(self) -> int:
        return self.log.stat().st_size


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _limit_descriptors() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (FD_LIMIT, FD_LIMIT))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("conn")
    port, log = _free_port(), tmp / "serve.log"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SHUXIANG_WECHAT_TOKEN": TOKEN,
           "SHUXIANG_SERVER_IDLE_TIMEOUT_SECONDS": str(IDLE), "SHUXIANG_SERVER_BODY_TIMEOUT_SECONDS": str(BODY)}
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "cli.main", "serve", "--db", f"sqlite:///{tmp}/s.db",
                                    "--no-jobs", "--port", str(port)], cwd=tmp, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, preexec_fn=_limit_descriptors)
    try:
        for _ in range(600):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError(log.read_text(errors="replace")[-2000:])
        yield Server(port, log, process)
    finally:
        process.terminate()
        process.wait(timeout=20)


def _signed_head(length: int) -> bytes:
    ts, nonce = str(int(time.time())), str(time.time_ns())
    sig = hashlib.sha1("".join(sorted((TOKEN, ts, nonce))).encode()).hexdigest()
    return (f"POST /wechat?signature={sig}&timestamp={ts}&nonce={nonce} HTTP/1.1\r\nHost: x\r\n"
            f"Content-Type: text/xml\r\nContent-Length: {length}\r\n\r\n").encode()


def _closed_by_server_within(sock: socket.socket, seconds: float) -> tuple[bool, bytes]:
    """(True, what came before EOF) when the server closes the connection within `seconds`."""
    sock.settimeout(seconds)
    data = b""
    try:
        while chunk := sock.recv(4096):
            data += chunk
        return True, data
    except TimeoutError:
        return False, data
    except ConnectionResetError:
        return True, data


def test_half_open_connections_and_slow_headers_are_closed(server: Server) -> None:
    silent = socket.create_connection(("127.0.0.1", server.port))
    slow = socket.create_connection(("127.0.0.1", server.port))
    slow.sendall(b"POST /wechat HTTP/1.1\r\nHost: x\r\n")  # headers never finished
    started = time.monotonic()
    for sock in (silent, slow):
        closed, _ = _closed_by_server_within(sock, IDLE + 3)
        assert closed, "the server kept a half-open connection"
        sock.close()
    assert time.monotonic() - started < IDLE + 3


def test_a_body_that_never_finishes_gets_408_and_the_connection_closed(server: Server) -> None:
    offset = server.log_size()
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(_signed_head(1000) + b"<xml><Content>")
        closed, data = _closed_by_server_within(sock, BODY + 3)
    assert closed and data.startswith(b"HTTP/1.1 408")
    log = server.log_since(offset)
    assert "Traceback" not in log and " 500" not in log


def test_a_client_that_leaves_mid_body_is_one_info_line(server: Server) -> None:
    offset = server.log_size()
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(_signed_head(1000) + b"<xml><ToUserName>gh</ToUserName>")
        time.sleep(0.2)
    log = server.log_since(offset)
    lines = [line for line in log.splitlines() if line.strip()]
    assert len(lines) == 1, log
    assert re.search(r" INFO shuxiang\.access POST /wechat client went away", lines[0]), log
    assert "Traceback" not in log and "ERROR" not in log


def test_running_out_of_descriptors_is_one_warning_a_second_and_the_server_recovers(server: Server) -> None:
    offset = server.log_size()
    held: list[socket.socket] = []
    started = time.monotonic()
    failures = 0
    while len(held) < FD_LIMIT + 60 and failures < 3:  # more than the server may open: the rest wait in the backlog
        try:
            held.append(socket.create_connection(("127.0.0.1", server.port), timeout=3))
        except OSError:  # a busy machine: the backlog itself may be full
            failures += 1
    warnings: list[str] = []
    for _ in range(50):  # hold them until the server has hit its limit (a busy machine may take a while)
        time.sleep(0.1)
        warnings = [line for line in server.log_since(offset, 0).splitlines() if "out of file descriptors" in line]
        if warnings:
            break
    time.sleep(2.0)  # keep hitting the limit: the warning must not repeat more than once a second
    for sock in held:
        sock.close()
    elapsed = time.monotonic() - started
    log = server.log_since(offset)
    warnings = [line for line in log.splitlines() if "out of file descriptors" in line]
    assert warnings and all(" WARNING " in line for line in warnings)
    assert len(warnings) <= elapsed + 2, log[-2000:]
    assert "Traceback" not in log and " ERROR " not in log, log[-3000:]
    time.sleep(0.5)
    with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/healthz", timeout=5) as resp:
        assert resp.status == 200


def test_rate_limit_lets_one_event_a_second_through_and_counts_the_rest() -> None:
    now = [100.0]
    limit = RateLimit(1.0, clock=lambda: now[0])
    assert limit.ready() == 0
    assert [limit.ready() for _ in range(5)] == [None] * 5
    now[0] += 1.0
    assert limit.ready() == 5
