"""`shuxiang parse`: one message → one JSON object; `--jsonl` turns stdin lines into JSON lines."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from bot.nlp.parser import Parser

# The demo catalogue, relative to the repository (core/demo/data/books.tsv).
DEMO_CATALOGUE = Path(__file__).resolve().parents[1] / "core" / "demo" / "data" / "books.tsv"
_FALLBACK = json.dumps({"intent": "unknown", "slots": {}})


def catalogue_parser(path: Path = DEMO_CATALOGUE, **kwargs: Any) -> Parser:
    """A parser over a catalogue TSV's titles, authors and series, as `shuxiang parse` reads them (tests and
    benches use it too); kwargs go to Parser (e.g. model=None)."""
    from bot.nlp.dictionary import read_catalogue_terms
    from bot.nlp.parser import Parser

    return Parser(catalogue_terms=read_catalogue_terms(path), authors=read_catalogue_terms(path, only_authors=True),
                  **kwargs)


@click.command("parse")
@click.argument("text", required=False)
@click.option("--jsonl", is_flag=True, help="Read one utterance per line on stdin, write one JSON line each.")
@click.option("--catalogue", "catalogue", type=click.Path(path_type=Path), default=None,
              help="TSV with title/author columns to add to the dictionary (default: the demo catalogue).")
@click.option("--confidence", is_flag=True, help="Also print the confidence score.")
def parse(text: str | None, jsonl: bool, catalogue: Path | None, confidence: bool) -> None:
    """Parse Chinese messages into an intent and slots (prints JSON)."""
    parser = catalogue_parser(catalogue or DEMO_CATALOGUE)

    def render(line: str) -> str:
        result = parser.parse(line)
        payload = result.to_dict()
        if confidence:
            payload["confidence"] = round(result.confidence, 2)
        try:
            return json.dumps(payload, ensure_ascii=False)
        except (TypeError, ValueError):
            return _FALLBACK

    if jsonl:
        # Undecodable bytes become U+FFFD rather than stopping the stream: one line in, one line out.
        stream = open(sys.stdin.fileno(), encoding="utf-8", errors="replace", newline=None, closefd=False)
        out = sys.stdout
        if hasattr(out, "reconfigure"):
            out.reconfigure(encoding="utf-8", errors="replace")
        for line in stream:
            out.write(render(line.rstrip("\r\n")) + "\n")
        out.flush()
        return
    if text is None:
        raise click.UsageError("give TEXT or --jsonl")
    click.echo(render(text))
