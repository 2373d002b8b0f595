"""A parser with a small real catalogue, shared by the NLP tests (building jieba's model is slow)."""
from __future__ import annotations

import pytest

from bot.nlp import Parser

# Well-known titles and authors, as the demo catalogue will hold them.
CATALOGUE = [
    "草房子", "曹文轩", "城南旧事", "林海音", "三体", "刘慈欣", "西游记", "吴承恩", "小王子", "圣埃克苏佩里",
    "狼王梦", "沈石溪", "窗边的小豆豆", "黑柳彻子", "查理九世", "雷欧幻像", "夏洛的网", "怀特", "青铜葵花",
    "哈利·波特与魔法石", "J.K.罗琳", "米小圈上学记", "北猫", "昆虫记", "法布尔", "稻草人", "叶圣陶",
]


@pytest.fixture(scope="session")
def parser() -> Parser:
    return Parser(catalogue_terms=CATALOGUE)
