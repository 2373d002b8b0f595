"""Chinese personal names for the demo school, drawn from a seeded random generator."""
from __future__ import annotations

import random

SURNAMES = ("王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 高 林 罗 郑 梁 谢 宋 唐 许 韩 冯 邓 曹 "
            "彭 曾 肖 田 董 袁 潘 于 蒋 蔡 余 杜 叶 程 苏 魏 吕 丁 任 沈").split()
CHILD_CHARS = "子 梓 涵 浩 宇 欣 怡 轩 博 睿 诗 雨 晨 一 佳 俊 思 文 嘉 墨 然 辰 泽 琪 萱 彤 瑶 航 阳 乐 悦 安 铭 昊 可 心 语 若 书 朵".split()
MALE_GIVEN = "伟 强 磊 军 洋 勇 杰 涛 明 超 建华 建国 志强 文杰 国庆 立新 晓东 鹏 斌 宏 浩 刚 峰 海涛".split()
FEMALE_GIVEN = "芳 娜 敏 静 丽 艳 娟 秀英 慧 海燕 晓燕 红梅 春梅 丽华 玉兰 桂英 雪梅 丹 琳 蕾 倩 婷 颖 霞".split()


def child_given_name(rng: random.Random) -> str:
    """Two characters, the usual shape of a child's given name today."""
    first, second = rng.sample(CHILD_CHARS, 2)
    return first + second


def adult_name(rng: random.Random, surname: str | None = None, female: bool | None = None) -> str:
    if female is None:
        female = rng.random() < 0.5
    return (surname or rng.choice(SURNAMES)) + rng.choice(FEMALE_GIVEN if female else MALE_GIVEN)


def author_name(rng: random.Random) -> str:
    """An invented author for a synthetic title: an adult name, sometimes with a pen-name flavour."""
    if rng.random() < 0.15:
        return rng.choice(("小", "阿", "老")) + rng.choice(CHILD_CHARS) + rng.choice(("", "子", "君"))
    return adult_name(rng)
