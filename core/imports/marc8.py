"""A strict MARC-8 decoder: pymarc's tables, but a byte it cannot map is an error, never a blank.

pymarc's MARC8ToUnicode (quiet or not) turns an unknown character into a space, a cut-off
East Asian character into a space and drops a cut-off escape with a TypeError: a title
草房子 could be stored as " 房子" or "草房" without a word. Here each of those raises
Marc8Error, so the importer refuses the record with its number. The escape and combining-mark
handling follows pymarc.marc8 (BSD licence).
"""
from __future__ import annotations

import unicodedata

BASIC_LATIN, ANSEL, EACC = 0x42, 0x45, 0x31
_G0 = {0x28, 0x2C, 0x24}  # ESC ( , $ : designate G0
_G1 = {0x29, 0x2D}  # ESC ) - : designate G1


class Marc8Error(ValueError):
    """Bytes that are not valid MARC-8; the message says which, in Chinese."""


def decode_marc8(data: bytes) -> str:
    """`data` (one subfield) as NFC text; C0 and C1 control bytes are dropped; Marc8Error otherwise."""
    from pymarc.marc8_mapping import CODESETS, ODD_MAP  # only MARC-8 files pay for the tables

    g0, g1 = BASIC_LATIN, ANSEL
    chars: list[str] = []
    combining: list[str] = []
    pos, size = 0, len(data)
    while pos < size:
        if data[pos] == 0x1B:
            if pos + 1 >= size:
                raise Marc8Error("结尾有一个不完整的 MARC-8 转义符")
            mark = data[pos + 1]
            if mark in _G0 or mark in _G1:
                if mark == 0x24 and pos + 2 < size and data[pos + 2] in (0x2C, 0x2D):  # ESC $ , 1
                    pos += 1
                if pos + 2 >= size:
                    raise Marc8Error("结尾有一个不完整的 MARC-8 转义符")
                charset = data[pos + 2]
                if charset not in CODESETS:
                    raise Marc8Error(f"未知的 MARC-8 字符集 0x{charset:x}")
                if mark in _G1:
                    g1 = charset
                else:
                    g0 = charset
                pos += 3
                continue
            if mark in CODESETS:  # ESC g / ESC b / ESC p: Greek, subscripts, superscripts
                g0, pos = mark, pos + 2
                continue
            if mark == 0x73:  # ESC s: back to ASCII
                g0, pos = BASIC_LATIN, pos + 2
                continue
            raise Marc8Error(f"未知的 MARC-8 转义符 0x{mark:x}")
        if g0 == EACC:
            if pos + 3 > size:
                raise Marc8Error("最后一个汉字不完整（MARC-8 的汉字占3个字节）")
            code, table = int.from_bytes(data[pos:pos + 3], "big"), CODESETS[EACC]
            pos += 3
        else:
            code = data[pos]
            pos += 1
            if code < 0x20 or 0x80 < code < 0xA0:
                continue  # control characters are never stored
            table = CODESETS[g1] if code > 0x80 else CODESETS[g0]
        if code in table:
            uni, is_combining = table[code]
        elif code in ODD_MAP:
            chars.append(chr(ODD_MAP[code]))
            continue
        else:
            raise Marc8Error(f"字节 0x{code:x} 无法按 MARC-8 解码")
        if is_combining:  # MARC-8 writes combining marks before their base character
            combining.append(chr(uni))
        else:
            chars.append(chr(uni))
            chars += combining
            combining = []
    return unicodedata.normalize("NFC", "".join(chars + combining))
