"""Where a copy stands: 索书号 (call number), shelf location, barcode and demo ISBN."""
from __future__ import annotations

import re
import zlib

from pypinyin import lazy_pinyin

from core.demo.books import TEACHERS_ONLY, BookSpec
from core.isbn import make_isbn13
from core.models import ItemType

# 978-7 is China's registration group; 9999 is a publisher code reserved here for the demo, so a
# demo ISBN never collides with a real book's (real ISBNs are deliberately not reproduced).
DEMO_ISBN_PREFIX = "97879999"
FIRST_BARCODE = 10000001


def demo_isbn(number: int) -> str:
    """The demo ISBN-13 for the number-th demo title (0..9999)."""
    if not 0 <= number <= 9999:
        raise ValueError("demo ISBN numbers run 0..9999")
    return make_isbn13(f"{DEMO_ISBN_PREFIX}{number:04d}")


def barcode(number: int) -> str:
    return str(FIRST_BARCODE + number)


def author_mark(author: str) -> str:
    """著者号: the first letter of the author's name in pinyin and a number from the name."""
    letters = "".join(lazy_pinyin(re.sub(r"[^\w]", "", author)))
    initial = next((c for c in letters.upper() if "A" <= c <= "Z"), "X")
    return f"{initial}{zlib.crc32(author.encode('utf-8')) % 90 + 10}"


def call_number(book: BookSpec) -> str:
    """索书号 such as I287.45/C12: 中图法 class, then the author mark."""
    return f"{book.clc}/{author_mark(book.author)}"


def location(book: BookSpec) -> str:
    """Floor, area and shelf of the library this book stands on."""
    shelf = zlib.crc32(book.title.encode("utf-8")) % 8 + 1
    clc = book.clc
    if book.item_type == ItemType.REFERENCE:
        return f"二楼 阅览室工具书区 R{shelf}架"
    if book.item_type == ItemType.TEACHING_REFERENCE or book.max_grade == TEACHERS_ONLY:
        return f"三楼 教师资料室 T{shelf}架"
    if "绘本" in book.subjects.split() or book.max_grade <= 2:
        return f"一楼 低年级绘本区 A{shelf}架"
    if clc.startswith("I287") or (clc.startswith("I2") and book.max_grade <= 6):
        return f"一楼 儿童文学区 B{shelf}架"
    if clc.startswith("I"):
        return f"二楼 文学名著区 C{shelf}架"
    if clc[:1] in "KB":
        return f"二楼 历史与人文区 D{shelf}架"
    if clc[:1] in "NOPQRSTXZ" or clc.startswith("H"):
        return f"一楼 科普与语言区 E{shelf}架"
    return f"二楼 社科综合区 F{shelf}架"
