"""Reading MARC ISO 2709 (CNMARC/UNIMARC and MARC21) into one row per held copy."""
from __future__ import annotations

import io
from collections.abc import Iterator

from core.imports.tables import SourceRow, UnreadableFile


def _first(record: object, tag: str, code: str) -> str:
    for field in record.get_fields(tag):  # type: ignore[attr-defined]
        values = field.get_subfields(code)
        if values and values[0].strip():
            return values[0].strip()
    return ""


def _join(*parts: str, sep: str = " ") -> str:
    return sep.join(p for p in parts if p)


def _strip_punct(text: str) -> str:
    """MARC21 ends subfields with ISBD punctuation (" /", " :", ",")."""
    return text.rstrip(" /:;,.=").strip()


def _unimarc(record: object) -> tuple[dict[str, str], list[dict[str, str]]]:
    title = _join(_first(record, "200", "a"), _first(record, "200", "e"), sep="：")
    author = _first(record, "701", "a") or _first(record, "200", "f") or _first(record, "702", "a")
    bib = {
        "title": title,
        "author": author,
        "isbn": _first(record, "010", "a"),
        "price": _first(record, "010", "d"),
        "publisher": _first(record, "210", "c"),
        "year": _first(record, "210", "d"),
        "clc": _first(record, "690", "a"),
        "summary": _first(record, "330", "a"),
    }
    holdings = []
    # 905 is the usual Chinese local holdings field: $b 登录号/条码 $c 馆藏地 $d 分类号 $e 书次号 $f 价格;
    # some systems put one copy per 906 with $a 条码 instead.
    for field in record.get_fields("905"):  # type: ignore[attr-defined]
        call = _join(field.get("d", ""), field.get("e", ""), sep="/")
        for barcode in field.get_subfields("b"):
            holdings.append({"barcode": barcode, "location": field.get("c", "") or field.get("a", ""),
                             "call_number": call, "price": field.get("f", "")})
    for field in record.get_fields("906"):  # type: ignore[attr-defined]
        for barcode in field.get_subfields("a") or field.get_subfields("b"):
            holdings.append({"barcode": barcode, "location": field.get("c", ""),
                             "call_number": field.get("d", ""), "price": field.get("f", "")})
    return bib, holdings


def _marc21(record: object) -> tuple[dict[str, str], list[dict[str, str]]]:
    title = _join(_strip_punct(_first(record, "245", "a")), _strip_punct(_first(record, "245", "b")), sep="：")
    author = _strip_punct(_first(record, "100", "a") or _first(record, "700", "a") or _first(record, "245", "c"))
    publisher = _first(record, "264", "b") or _first(record, "260", "b")
    year = _first(record, "264", "c") or _first(record, "260", "c")
    call = _join(_first(record, "050", "a"), _first(record, "050", "b"), sep="/") or _first(record, "082", "a")
    bib = {
        "title": title,
        "author": author,
        "isbn": _first(record, "020", "a").split(" ")[0],
        "price": _first(record, "020", "c"),
        "publisher": _strip_punct(publisher),
        "year": year,
        "clc": _first(record, "084", "a"),
        "summary": _first(record, "520", "a"),
    }
    holdings = []
    for field in record.get_fields("852"):  # type: ignore[attr-defined]
        for barcode in field.get_subfields("p"):
            holdings.append({"barcode": barcode, "location": field.get("b", "") or field.get("c", ""),
                             "call_number": _join(field.get("h", ""), field.get("i", ""), sep="/") or call,
                             "price": field.get("9", "")})
    for field in record.get_fields("952"):  # type: ignore[attr-defined]  # Koha items
        for barcode in field.get_subfields("p"):
            holdings.append({"barcode": barcode, "location": field.get("c", "") or field.get("a", ""),
                             "call_number": field.get("o", "") or call, "price": field.get("g", "")})
    return bib, holdings


def read_marc(data: bytes) -> Iterator[SourceRow]:
    """One row per copy (a record with no holdings yields one row without a barcode, reported as bad)."""
    from pymarc import MARCReader  # imported here: only MARC imports pay for it

    reader = MARCReader(io.BytesIO(data), to_unicode=True, force_utf8=True, utf8_handling="replace")
    seen_any = False
    for number, record in enumerate(reader, start=1):
        seen_any = True
        if record is None:
            yield SourceRow(number, {"_error": "记录格式损坏，无法读取"}, unit="条记录")
            continue
        unimarc = bool(record.get_fields("200")) or not record.get_fields("245")
        bib, holdings = _unimarc(record) if unimarc else _marc21(record)
        for holding in holdings or [{"barcode": ""}]:
            fields = dict(bib)
            fields.update({k: v for k, v in holding.items() if v})
            yield SourceRow(number, {k: v.strip() for k, v in fields.items()}, unit="条记录")
    if not seen_any:
        raise UnreadableFile("没有读到任何 MARC 记录：请确认文件是 ISO 2709 格式")
