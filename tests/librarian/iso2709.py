"""Building ISO 2709 bytes from fields by hand, so tests can write any encoding and any damage."""
from __future__ import annotations

FT, RS, US = b"\x1e", b"\x1d", b"\x1f"


def field(indicators: str, *subfields: tuple[str, bytes]) -> bytes:
    """A data field's bytes (without terminator): indicators then $code value... already encoded."""
    return indicators.encode("ascii") + b"".join(US + code.encode("ascii") + value for code, value in subfields)


def record(fields: list[tuple[str, bytes]], *, kind: str = "nam0 22", tail: str = "   450 ") -> bytes:
    """One record: leader (length and base address computed), directory, fields, 0x1D.

    `kind` is leader/05-11 (status, type, level, hierarchy or MARC21 leader/09, indicator and
    subfield-code counts); `tail` is leader/17-23.
    """
    directory, body = b"", b""
    for tag, data in fields:
        chunk = data + FT
        directory += f"{tag}{len(chunk):04d}{len(body):05d}".encode("ascii")
        body += chunk
    base = 24 + len(directory) + 1
    total = base + len(body) + 1
    leader = f"{total:05d}{kind}{base:05d}{tail}".encode("ascii")
    assert len(leader) == 24
    return leader + directory + FT + body + RS


def cnmarc(title: str, author: str, barcode: str, *, encoding: str = "utf-8", sets: str = "50  ",
           extra: list[tuple[str, bytes]] | None = None) -> bytes:
    """A CNMARC record as dp2 writes it: 001, 100$a with character sets at 26-29, 200 $a $f, 905 $b."""
    fields = [("001", b"R1"), ("100", field("  ", ("a", f"20240101d2024    em y0chiy{sets}    ea".encode()))),
              ("200", field("1 ", ("a", title.encode(encoding)), ("f", author.encode(encoding))))]
    if barcode:
        fields.append(("905", field("  ", ("b", barcode.encode(encoding)))))
    return record(fields + (extra or []))


def marc8(text: str) -> bytes:
    """`text` in MARC-8: ASCII as is, CJK through EACC (ESC $ 1 ... ESC ( B), by pymarc's own table."""
    from pymarc.marc8_mapping import CODESETS

    eacc = {value[0]: code for code, value in CODESETS[0x31].items()}
    out, in_cjk = b"", False
    for char in text:
        if ord(char) < 0x80:
            if in_cjk:
                out, in_cjk = out + b"\x1b(B", False
            out += char.encode("ascii")
        else:
            if not in_cjk:
                out, in_cjk = out + b"\x1b$1", True
            out += eacc[ord(char)].to_bytes(3, "big")
    return out + (b"\x1b(B" if in_cjk else b"")
