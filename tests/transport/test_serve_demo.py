"""`shuxiang serve --demo` as a newcomer runs it: a real process, the demo school, a two-step chat."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _say(base: str, user: str, text: str) -> str:
    body = json.dumps({"user": user, "text": text}).encode()
    request = urllib.request.Request(f"{base}/simulator/api/send", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["reply"]


def test_demo_server_answers_a_clarifying_question_in_the_next_message(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen([sys.executable, "-m", "cli.main", "serve", "--demo", "--no-jobs", "--port",
                                   str(port)], cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):  # building the demo school takes a few seconds
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError(log.read_text(errors="replace")[-2000:])
        # The demo teacher has one renewable loan: the bot offers it and asks (only renewable books are offered).
        question = _say(base, "demo-teacher", "续借")
        assert "能续借的是这一本" in question and "回复“好的”" in question
        assert "已续借" in _say(base, "demo-teacher", "好的")
    finally:
        server.terminate()
        server.wait(timeout=20)
