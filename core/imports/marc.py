"""Reading MARC ISO 2709 (CNMARC/UNIMARC and MARC21) into one row per held copy.

The file is split on the record separator 0x1D ourselves, so CR/LF, spaces or a BOM between
records (editors, pymarc's own samples) are skipped instead of breaking every later record.
Each record is decoded in its declared character set: UNIMARC 100$a/26-29 ("50" = UTF-8, "20" as
dp2 and other Chinese systems write "0120" = GB2312/GBK), MARC21 leader/09 ('a' = UTF-8, blank =
MARC-8 via pymarc), GB18030 where bytes declared or presumed UTF-8 are not valid UTF-8. A record
that cannot be decoded is refused with its number and reason; U+FFFD and C1 controls never pass.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from core.imports.marc8 import Marc8Error, decode_marc8
from core.imports.tables import SourceRow, UnreadableFile

FT, RS, US = b"\x1e", b"\x1d", b"\x1f"
_BETWEEN = b"\r\n\t \x00\x1a"  # what editors and exports leave between records (\x1a: DOS EOF)
_BOM = b"\xef\xbb\xbf"
MAX_RANGE = 500  # a barcode range longer than this is more likely a typo than one shelf of copies
_SORT_MARKS = dict.fromkeys(map(ord, "\x88\x89\x98\x9c"))  # UNIMARC non-sorting begin/end marks
_C0 = dict.fromkeys([*range(32), 127])  # NUL, BEL, ESC... in a subfield: never stored
_STRIP = {**_SORT_MARKS, **_C0}
_C1 = re.compile("[\x80-\x9f\ufffd]")
_ROLE = re.compile(r"(?:等)?(?:编著|主编|原著|改编|选编|编写|著|编|译|绘|撰)$")
_RANGE = re.compile(r"^(\D*)(\d+)\s*[-~～—]\s*(\D*)(\d+)$")


class RecordError(Exception):
    """Why one record cannot be read; the message is the librarian's reason (Chinese)."""


@dataclass
class MarcField:
    """One field: control value, or indicators plus (code, value) subfields in file order."""

    tag: str
    value: str = ""
    subfields: list[tuple[str, str]] = field(default_factory=list)

    def get(self, code: str) -> str:
        """The first non-blank value of subfield `code`, stripped, or ""."""
        return next((v.strip() for c, v in self.subfields if c == code and v.strip()), "")


@dataclass
class MarcRecord:
    """A decoded record: leader and fields by tag, in file order."""

    leader: str
    fields: list[MarcField]

    def get_fields(self, tag: str) -> list[MarcField]:
        return [f for f in self.fields if f.tag == tag]


def split_records(data: bytes) -> Iterator[bytes]:
    """Each record's bytes (ending at 0x1D), skipping line ends, spaces and BOMs between records."""
    pos, size = 0, len(data)
    while pos < size:
        while pos < size and (data[pos] in _BETWEEN or data.startswith(_BOM, pos)):
            pos += 3 if data.startswith(_BOM, pos) else 1
        if pos >= size:
            return
        end = data.find(RS, pos)
        end = size if end < 0 else end + 1
        yield data[pos:end]
        pos = end


def _raw_fields(raw: bytes) -> tuple[str, list[tuple[str, bytes]]]:
    """Leader and (tag, bytes without the field terminator), from the directory's offsets."""
    if len(raw) < 25 or not raw[:5].isdigit():
        raise RecordError("记录格式损坏（头标不对），无法读取")
    leader = raw[:24].decode("ascii", "replace")
    try:
        base = int(raw[12:17])
    except ValueError:
        raise RecordError("记录格式损坏（数据起始位置不对），无法读取") from None
    directory = raw[24:base - 1] if 24 < base <= len(raw) else b""
    if not directory or len(directory) % 12:
        raise RecordError("记录格式损坏（目次区不对），无法读取")
    out = []
    for i in range(0, len(directory), 12):
        entry = directory[i:i + 12]
        try:
            tag, length, start = entry[:3].decode("ascii"), int(entry[3:7]), int(entry[7:12])
        except (UnicodeDecodeError, ValueError):
            raise RecordError("记录格式损坏（目次区不对），无法读取") from None
        chunk = raw[base + start:base + start + length]
        if not chunk.endswith(FT):
            raise RecordError(f"记录格式损坏（{tag} 字段的长度或位置与目次不符），无法读取")
        out.append((tag, chunk[:-1]))
    return leader, out


def _charset(leader: str, fields: list[tuple[str, bytes]]) -> str:
    """'utf-8', 'gb18030' or 'marc8' as the record declares it (bytes are ASCII at these positions)."""
    tags = {tag for tag, _ in fields}
    if "200" in tags or "245" not in tags:  # UNIMARC/CNMARC
        for tag, data in fields:
            if tag == "100":
                a = data.split(US + b"a", 1)[1][:36] if US + b"a" in data else b""
                sets = a[26:30].decode("ascii", "replace")
                if "50" in (sets[:2], sets[2:]):
                    return "utf-8"
                if "20" in (sets[:2], sets[2:]):
                    return "gb18030"
        return "utf-8"  # undeclared: UTF-8, falling back to GB18030 below
    if leader[9] == "a":
        return "utf-8"
    return "marc8"


def _decoder(charset: str) -> Callable[[bytes], str]:
    """bytes → text in `charset`; UnicodeDecodeError (or pymarc's errors for MARC-8) when it cannot."""
    if charset == "marc8":
        # strict (an unmappable byte is an error, not a blank); escapes do not carry over subfields
        return decode_marc8
    return lambda b: b.decode(charset)


def _decode(charset: str, fields: list[tuple[str, bytes]]) -> list[MarcField]:
    decode = _decoder(charset)
    out = []
    for tag, data in fields:
        if tag < "010" and tag.isdigit():
            out.append(MarcField(tag, decode(data)))
            continue
        parts = data.split(US)
        subfields = [(p[:1].decode("ascii", "replace"), decode(p[1:])) for p in parts[1:] if p]
        out.append(MarcField(tag, subfields=subfields))
    return out


_CHARSET_NAMES = {"utf-8": "UTF-8", "gb18030": "GBK", "marc8": "MARC-8"}


def parse_record(raw: bytes) -> MarcRecord:
    """A decoded record; RecordError (with the reason to show) when it is broken or undecodable.

    A record declaring GB2312/GBK whose bytes are valid UTF-8 is read as UTF-8: records are
    often copied from another library with 100$a kept, and multi-byte text that happens to be
    valid UTF-8 is almost never real GBK. C0 controls and non-sorting marks are removed.
    """
    leader, fields = _raw_fields(raw)
    charset = _charset(leader, fields)
    tries = {"utf-8": ["utf-8", "gb18030"], "gb18030": ["utf-8", "gb18030"]}.get(charset, [charset])
    if charset == "marc8" and b"\x1b" not in raw:
        tries = ["utf-8", "marc8"]  # many "MARC-8" exports are UTF-8 with leader/09 left blank
    reason = ""
    for name in tries:
        try:
            decoded = _decode(name, fields)
        except Marc8Error as error:
            reason = f"：{error}"
            continue
        except (UnicodeDecodeError, KeyError, IndexError, ValueError):
            continue
        texts = [f.value for f in decoded] + [v for f in decoded for _, v in f.subfields]
        if any(_C1.search(t.translate(_SORT_MARKS)) for t in texts):
            # valid bytes that decode to control characters: a wrong declaration, never stored
            raise RecordError(f"按 {_CHARSET_NAMES[name]} 解码后含有控制字符，请确认导出时的字符集")
        for f in decoded:
            f.value = f.value.translate(_STRIP)
            f.subfields = [(c, v.translate(_STRIP)) for c, v in f.subfields]
        return MarcRecord(leader, decoded)
    raise RecordError(f"文字无法按 {_CHARSET_NAMES[charset]} 解码{reason}，请确认导出时的字符集")


def _first(record: MarcRecord, tag: str, code: str) -> str:
    return next((v for f in record.get_fields(tag) if (v := f.get(code))), "")


def _every(record: MarcRecord, tag: str, code: str) -> str:
    """Every value of `tag`$`code`, space-joined (606/650 subjects repeat)."""
    return " ".join(v for f in record.get_fields(tag) if (v := f.get(code)))


def _join(*parts: str, sep: str = " ") -> str:
    return sep.join(p for p in parts if p)


def _strip_punct(text: str) -> str:
    """MARC21 ends subfields with ISBD punctuation (" /", " :", ",")."""
    return text.rstrip(" /:;,.=").strip()


def _strip_role(name: str) -> str:
    """"曹文轩著" → "曹文轩": a statement of responsibility carries the role after the name.

    A name that would be left with one character keeps its last one: 张译 is a person, not 张 + 译.
    """
    stripped = _ROLE.sub("", name.strip()).strip()
    return stripped if len(stripped) >= 2 else name.strip()


def expand_barcodes(raw: str) -> list[str]:
    """One barcode, or every barcode of an unambiguous range ("20295403-5408" → 6 codes).

    RecordError when it looks like a range but is not one we can expand safely.
    """
    text = raw.strip()
    match = _RANGE.match(text)
    if not match:
        return [text] if text else []
    prefix, low, prefix2, high = match.groups()
    if prefix2 and prefix2 != prefix or len(high) > len(low):
        raise RecordError(f"条码范围“{text}”看不懂，请逐册列出条码")
    high = low[:len(low) - len(high)] + high  # "20295403-5408": the end keeps the start's leading digits
    first, last = int(low), int(high)
    if last < first or last - first + 1 > MAX_RANGE:
        raise RecordError(f"条码范围“{text}”不是从小到大或超过{MAX_RANGE}册，请逐册列出条码")
    return [f"{prefix}{n:0{len(low)}d}" for n in range(first, last + 1)]


# Holdings fields: tag → (barcode code, {our field: codes in order of preference}).
_HOLDINGS = {
    "905": ("b", {"location": "ca", "call_number": "de", "price": "f"}),  # CNMARC local: $d 分类号 $e 书次号
    "906": ("a", {"location": "c", "call_number": "d", "price": "f"}),
    # one copy per repeated $a group; $h 流水号/登录号, $m 获得方式 (采购/赠送)
    "985": ("a", {"location": "b", "price": "d", "call_number": "c", "accession_number": "h", "source": "m"}),
    "852": ("p", {"location": "bc", "call_number": "hi", "price": "9"}),
    "876": ("p", {"location": "l", "price": "c"}),
    "952": ("p", {"location": "ca", "call_number": "o", "price": "gv", "accession_number": "i"}),  # Koha items
}


def _holdings(record: MarcRecord, default_call: str, notes: list[str]) -> list[dict[str, str]]:
    """One dict per copy: a field's subfields split into groups, each starting at a barcode.

    `notes` gets a warning for each expanded barcode range and each holding without a barcode.
    """
    copies: dict[str, dict[str, str]] = {}
    unlabelled = 0
    for tag, (code, wanted) in _HOLDINGS.items():
        for f in record.get_fields(tag):
            groups: list[list[tuple[str, str]]] = []
            # a holding with data but no barcode at all: a copy not yet labelled (MARC21 852 without $p
            # is the location of the copies 876 lists)
            if not f.get(code) and not (tag == "852" and record.get_fields("876")):
                unlabelled += any(v.strip() for _, v in f.subfields)
            for c, v in f.subfields:
                if c == code or not groups:
                    groups.append([])
                groups[-1].append((c, v.strip()))
            for group in groups:
                own = MarcField(tag, subfields=group)
                barcode = own.get(code)
                if not barcode:
                    continue
                values = {}
                for name, codes in wanted.items():
                    pick = [own.get(c) or f.get(c) for c in codes]  # a group's own value, else the field's
                    if name == "call_number" and tag in ("905", "852"):
                        values[name] = _join(*pick, sep="/") or default_call
                    else:
                        values[name] = next((p for p in pick if p), "")
                codes = expand_barcodes(barcode)
                if len(codes) > 1:
                    notes.append(f"条码范围“{barcode}”已展开为{len(codes)}册（{codes[0]}…{codes[-1]}），请核对")
                for one in codes:
                    copy = copies.setdefault(one, {"barcode": one})
                    for name, value in values.items():  # 852 and 876 may both describe one copy
                        if value and not copy.get(name):
                            copy[name] = value
    if unlabelled and copies:
        notes.append(f"有{unlabelled}个馆藏字段没有条码（未贴条码的复本？），这些复本没有导入")
    return list(copies.values())


def _unimarc(record: MarcRecord) -> dict[str, str]:
    # 200$h/$i (分册号/分册名) belong to the title: volumes sharing one ISBN keep their own titles
    main = _join(_first(record, "200", "a"), _first(record, "200", "h"), _first(record, "200", "i"))
    title = _join(main, _first(record, "200", "e"), sep="：")
    author = _first(record, "701", "a") or _strip_role(_first(record, "200", "f")) or _first(record, "702", "a")
    return {
        "title": title, "author": author, "isbn": _first(record, "010", "a"), "price": _first(record, "010", "d"),
        "publisher": _first(record, "210", "c"), "year": _first(record, "210", "d"),
        "clc": _first(record, "690", "a"), "summary": _first(record, "330", "a"),
        "subjects": _every(record, "606", "a"), "grades": _first(record, "333", "a"),  # 333: 使用对象附注
    }


def _vernacular(record: MarcRecord, tag: str, code: str) -> str:
    """The linked 880 ($6 "245-01") value for `tag`, else the field's own (romanised) value."""
    for f in record.get_fields("880"):
        if f.get("6").startswith(tag + "-") and (value := f.get(code)):
            return value
    return _first(record, tag, code)


def _marc21(record: MarcRecord) -> dict[str, str]:
    main = _join(*(_strip_punct(_vernacular(record, "245", code)) for code in "anp"))  # $n/$p: part number/name
    title = _join(main, _strip_punct(_vernacular(record, "245", "b")), sep="：")
    author = _strip_punct(_vernacular(record, "100", "a") or _vernacular(record, "700", "a")
                          or _vernacular(record, "245", "c"))
    return {
        "title": title, "author": author, "isbn": _first(record, "020", "a").split(" ")[0],
        "price": _first(record, "020", "c"),
        "publisher": _strip_punct(_first(record, "264", "b") or _first(record, "260", "b")),
        "year": _first(record, "264", "c") or _first(record, "260", "c"),
        "clc": _first(record, "084", "a"), "summary": _first(record, "520", "a"),
        "subjects": _strip_punct(_every(record, "650", "a")), "grades": _first(record, "521", "a"),
    }


def read_marc(data: bytes) -> Iterator[SourceRow]:
    """One row per copy; a record with no holdings yields one row without a barcode (reported as bad),
    a broken or undecodable record one row carrying `_error` with its reason."""
    seen_any = False
    for number, raw in enumerate(split_records(data), start=1):
        seen_any = True
        try:
            record = parse_record(raw)
            is_unimarc = bool(record.get_fields("200")) or not record.get_fields("245")
            bib = _unimarc(record) if is_unimarc else _marc21(record)
            call = "" if is_unimarc else (_join(_first(record, "050", "a"), _first(record, "050", "b"), sep="/")
                                          or _first(record, "082", "a"))
            notes: list[str] = []
            holdings = _holdings(record, call, notes)
        except RecordError as error:
            yield SourceRow(number, {"_error": str(error)}, unit="条记录")
            continue
        for index, holding in enumerate(holdings or [{"barcode": "", "call_number": call}]):
            fields = dict(bib)
            fields.update({k: v for k, v in holding.items() if v})
            if notes and index == 0:  # the record's warnings, once
                fields["_warning"] = "；".join(notes)
            yield SourceRow(number, {k: v.strip() for k, v in fields.items()}, unit="条记录")
    if not seen_any:
        raise UnreadableFile("没有读到任何 MARC 记录：请确认文件是 ISO 2709 格式")
