"""中图法 (Chinese Library Classification): the 22 top classes and how a class number is read."""
from __future__ import annotations

import re
import unicodedata

# The 22 basic classes (基本大类) of the 5th edition.
TOP_CLASSES: dict[str, str] = {
    "A": "马克思主义、列宁主义、毛泽东思想、邓小平理论", "B": "哲学、宗教", "C": "社会科学总论",
    "D": "政治、法律", "E": "军事", "F": "经济", "G": "文化、科学、教育、体育", "H": "语言、文字",
    "I": "文学", "J": "艺术", "K": "历史、地理", "N": "自然科学总论", "O": "数理科学和化学",
    "P": "天文学、地球科学", "Q": "生物科学", "R": "医药、卫生", "S": "农业科学", "T": "工业技术",
    "U": "交通运输", "V": "航空、航天", "X": "环境科学、安全科学", "Z": "综合性图书",
}
_PREFIX = re.compile(r"^[A-Z][A-Z0-9.\-/:=()\"<>]*$")


def normalise_clc(raw: str) -> str:
    """A class number as stored: full-width folded, spaces dropped, letters upper-case ('ｉ２８７．４５' → 'I287.45')."""
    return unicodedata.normalize("NFKC", raw).replace(" ", "").strip().upper()


def is_clc_prefix(prefix: str) -> bool:
    """True for a browsable prefix: a top class letter (or two, as TP, TN) then the number's characters."""
    return bool(_PREFIX.match(prefix)) and prefix[0] in TOP_CLASSES


def class_name(prefix: str) -> str:
    """The top class's name for any prefix ('I287' → '文学'); '' when it is no 中图法 class."""
    return TOP_CLASSES.get(prefix[:1], "") if prefix else ""


def child_key(prefix: str, clc: str) -> str:
    """The next level under `prefix` that `clc` falls in: one more character, or two when that one is a
    separator ('I28' + 'I287.45' → 'I287'; 'I287' + 'I287.45' → 'I287.4'); `clc` itself when it ends there."""
    if len(clc) <= len(prefix):
        return clc
    end = len(prefix) + 1
    if clc[end - 1] in ".-/" and len(clc) > end:
        end += 1
    return clc[:end]
