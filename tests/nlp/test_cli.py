"""`shuxiang parse` through a real subprocess."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CMD = [sys.executable, "-m", "cli.main", "parse"]


def _run(args: list[str], stdin: str | bytes = b"") -> subprocess.CompletedProcess[bytes]:
    data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
    return subprocess.run(CMD + args, input=data, capture_output=True, cwd=ROOT, timeout=60, check=False)


def test_parse_text_prints_one_json_object() -> None:
    out = _run(["续借第2本"])
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"intent": "renew", "slots": {"indexes": [2]}}


def test_jsonl_writes_one_line_per_input_line_even_empty_and_broken_ones() -> None:
    lines = ["查书 草房子", "", "   ", "续借第一本", "😀", "《", "你好"]
    raw = ("\n".join(lines) + "\n").encode("utf-8") + b"\xff\xfe bad bytes\n"
    out = _run(["--jsonl"], raw)
    assert out.returncode == 0, out.stderr
    got = out.stdout.decode("utf-8").splitlines()
    assert len(got) == len(lines) + 1
    parsed = [json.loads(line) for line in got]
    assert parsed[0] == {"intent": "search", "slots": {"query": "草房子"}}
    assert parsed[1] == {"intent": "unknown", "slots": {}}
    assert all(set(p) == {"intent", "slots"} for p in parsed)


def test_jsonl_uses_a_given_catalogue(tmp_path: Path) -> None:
    tsv = tmp_path / "books.tsv"
    tsv.write_text("isbn\ttitle\tauthor\n9787000000000\t呼兰河传\t萧红\n", encoding="utf-8")
    out = _run(["--jsonl", "--catalogue", str(tsv)], "呼兰河传\n")
    assert json.loads(out.stdout) == {"intent": "search", "slots": {"query": "呼兰河传"}}
