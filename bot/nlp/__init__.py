"""Chinese intent + slot parser: `Parser(catalogue_terms=...).parse(text) -> ParseResult`."""
from __future__ import annotations

from bot.nlp.parser import CONFIRM_THRESHOLD, Parser, ParseResult

__all__ = ["CONFIRM_THRESHOLD", "ParseResult", "Parser"]
