"""Menu scans (scancode_push / scancode_waitmsg): a book's barcode is searched as if its ISBN were typed.

WeChat sends the scan in `<ScanCodeInfo><ScanType>…</ScanType><ScanResult>…</ScanResult></ScanCodeInfo>`:
a barcode as `ScanType` "barcode" and `ScanResult` "<symbology>,<code>" (a book: "EAN_13,9787532473014"),
a QR code as "qrcode" and its text (often a URL). wechatpy 1.8.18 reads the same two fields
(`ScanCodePushEvent.scan_type` / `.scan_result`); we parse the XML ourselves (bot/wxml.py), so only
`IncomingMessage.scan_result` is kept.
"""
from __future__ import annotations

import re
from dataclasses import replace

from bot.messages import IncomingMessage
from core.isbn import normalise_isbn

SCAN_EVENTS = ("scancode_push", "scancode_waitmsg")
NOT_A_BOOK = ("这不是书的条码哦😊 请扫书背面（封底）右下角以978开头的条码，"
              "或者直接发送书名，比如：查 草房子。")
_SYMBOLOGY = re.compile(r"[A-Z][A-Z0-9_]*")  # EAN_13, EAN_8, CODE_128, ISBN_10, UPC_A, ...


def scanned_isbn(scan_result: str) -> str | None:
    """The ISBN-13 a scan stands for, or None when it is not a book's ISBN.

    Accepts "EAN_13,9787532473014", a bare ISBN-13 or ISBN-10 (with or without hyphens or an
    "ISBN" prefix, as a QR code may carry it). Only 978/979 codes are books: another valid EAN-13
    (a product, a pencil case) is not.
    """
    raw = scan_result.strip()
    head, comma, rest = raw.partition(",")
    if comma and _SYMBOLOGY.fullmatch(head.strip()):
        raw = rest.strip()
    isbn = normalise_isbn(raw)
    return isbn if isbn is not None and isbn.startswith(("978", "979")) else None


def scan_as_text(message: IncomingMessage) -> IncomingMessage | None:
    """A menu scan of a book as the text message of its ISBN (what the user would have typed);
    None for anything else (not a scan, or a scan that is not a book's ISBN)."""
    if message.kind != "event" or message.event not in SCAN_EVENTS:
        return None
    isbn = scanned_isbn(message.scan_result)
    if isbn is None:
        return None
    return replace(message, kind="text", text=isbn)


def not_a_book_reply(message: IncomingMessage) -> str:
    """What to answer a scan that is not a book: a hint after scancode_waitmsg (the user is waiting
    for our message); nothing after scancode_push, where WeChat already showed the result or opened
    the URL itself."""
    return NOT_A_BOOK if message.event == "scancode_waitmsg" else ""
