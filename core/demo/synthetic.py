"""Invented but plausible titles that bring the demo catalogue to school-library size.

Every title comes from a template family (series volumes, science topics, history, biographies,
story titles, teaching materials). The generator is seeded, so every build is identical.
"""
from __future__ import annotations

import random
from collections.abc import Callable, Iterator

from core.demo.books import TEACHERS_ONLY, BookSpec
from core.demo.names import author_name
from core.models import ItemType

SEED = 20240901
PUBLISHERS = ("少年儿童出版社 中国少年儿童出版社 浙江少年儿童出版社 江苏凤凰少年儿童出版社 湖南少年儿童出版社 "
              "湖北少年儿童出版社 四川少年儿童出版社 二十一世纪出版社 接力出版社 明天出版社 新蕾出版社 "
              "北京少年儿童出版社 天天出版社 长江少年儿童出版社 安徽少年儿童出版社").split()
TEACHER_PUBLISHERS = "教育科学出版社 华东师范大学出版社 人民教育出版社 北京师范大学出版社 福建教育出版社".split()
GRADE_NAMES = "一 二 三 四 五 六 七 八 九".split()
CN_NUMBERS = "一 二 三 四 五 六 七 八 九 十 十一 十二".split()

SCIENCE_TOPICS = {
    "海洋": "P7", "火山": "P317", "恐龙": "Q915.864", "昆虫": "Q96", "鸟类": "Q959.7", "森林": "S718",
    "沙漠": "P941.73", "极地": "P941.61", "天气": "P4", "星空": "P1", "月球": "P184", "太阳系": "P18",
    "人体": "R32", "机器人": "TP242", "电": "TM1", "磁铁": "O441", "光": "O43", "声音": "O42", "水资源": "P33",
    "空气": "P42", "岩石": "P583", "种子": "Q944.59", "细菌": "Q939.1", "桥梁": "U44", "飞机": "V271",
    "火车": "U26", "汽车": "U46", "轮船": "U674", "能源": "TK01", "垃圾分类": "X705", "地震": "P315",
    "河流": "P941.77", "草原": "S812", "湿地": "P942", "蝴蝶": "Q964", "蚂蚁": "Q969.554", "鲸鱼": "Q959.841",
    "熊猫": "Q959.838", "大象": "Q959.845", "企鹅": "Q959.7", "青蛙": "Q959.5", "蔬菜": "S63", "水稻": "S511",
    "中草药": "R28", "化石": "Q911", "宇航员": "V527", "卫星": "V474", "计算机": "TP3", "数字": "O1",
}
SCIENCE_FORMS = (
    ("你好，{t}", 1, 3, "写给低年级孩子的{t}入门图画书。"),
    ("{t}的秘密", 2, 5, "用问答和图解揭开{t}的奥秘。"),
    ("走进{t}世界", 3, 6, "带孩子走进{t}的世界，认识相关科学知识。"),
    ("图说{t}", 2, 6, "大幅插图讲解{t}的知识要点。"),
    ("少年{t}观察笔记", 4, 8, "记录观察{t}的方法和有趣发现。"),
    ("科学探索丛书·{t}", 4, 9, "从实验和探究入手认识{t}。"),
    ("{t}小百科", 2, 6, "关于{t}的百科知识，图文并茂。"),
)
HISTORY_ERAS = ("夏商 西周 春秋 战国 秦 西汉 东汉 三国 两晋 南北朝 隋 唐 五代十国 北宋 南宋 元 明 清").split()
HISTORY_FORMS = (
    ("少年读{e}", 4, 8, "为少年讲述{e}时期的历史大事。"),
    ("{e}人物故事", 3, 7, "{e}时期著名人物的故事。"),
    ("图说{e}", 3, 8, "用图画再现{e}时期的社会生活。"),
    ("{e}文化漫谈", 6, 9, "漫谈{e}时期的思想、文学与艺术。"),
)
PEOPLE = ("孔子 孟子 屈原 张衡 蔡伦 祖冲之 李白 杜甫 白居易 苏轼 李清照 岳飞 郑和 李时珍 徐霞客 戚继光 林则徐 "
          "詹天佑 孙中山 鲁迅 钱学森 邓稼先 袁隆平 屠呦呦 华罗庚 牛顿 爱迪生 达尔文 爱因斯坦 居里夫人 贝多芬 "
          "莫扎特 哥白尼 伽利略").split()
PEOPLE_FORMS = (("{p}的故事", 2, 6, "讲述{p}的生平和成长故事。"),
                ("少年{p}", 3, 7, "{p}少年时代的求学与志向。"),
                ("{p}传", 6, 9, "一部写给青少年的{p}传记。"))
STORY_HEROES = ("小熊 小兔 小狐狸 小刺猬 小松鼠 小猫 小狗 小鸭子 小象 小猴 小老鼠 小企鹅 小乌龟 小蜗牛 "
                "小蚂蚁 小青蛙 小河马 小鹿 小獾 小熊猫 阿福 丫丫 豆豆 米粒 小石头 点点").split()
STORY_THINGS = ("红风筝 月亮船 彩虹桥 小木屋 蓝星星 魔法伞 雪花信 纸飞机 南瓜车 萤火灯 旧皮箱 小红门 "
                "向日葵 竹蜻蜓 玻璃球 生日蛋糕 大树洞 新朋友 小雪人 第一颗牙 夏天 好邻居").split()
STORY_FORMS = (("{h}的{x}", 1, 3, "童话", "{h}和{x}之间发生的温暖故事。"),
               ("{h}和{x}", 1, 3, "童话", "关于{h}与{x}的一段奇妙旅程。"),
               ("寻找{x}的{h}", 2, 4, "童话 冒险", "{h}出发去寻找{x}，一路结识好朋友。"))
YOUTH_PLACES = "小河边 老槐树下 外婆家 山那边 梧桐巷 码头 小镇 海岛 草原 雪山下 胡同里 水乡".split()
YOUTH_TIMES = "夏天 那年秋天 十二岁 毕业季 春天里 雨季 寒假 风中".split()
ANTHOLOGY_KINDS = (("动物小说集", "I287.45", 3, 7, "动物 小说", "收录多篇动物小说，讲述动物的勇敢与情感。"),
                   ("科幻小说精选", "I287.45", 4, 9, "科幻", "精选少年科幻短篇，想象未来与宇宙。"),
                   ("童话精选", "I287.7", 1, 4, "童话", "精选当代优秀童话，适合亲子共读。"),
                   ("儿童诗选", "I287.2", 1, 5, "诗歌", "精选优秀童诗，适合朗读和背诵。"),
                   ("成语故事", "H136.31", 2, 6, "成语 传统文化", "用故事讲清成语的来历和用法。"),
                   ("寓言故事", "I277.4", 1, 4, "寓言", "短小寓言，每篇讲一个道理。"),
                   ("校园小说精选", "I287.45", 4, 8, "校园 成长", "精选校园生活题材的少年小说。"))
SUBJECTS = ("语文", "数学", "英语", "科学", "道德与法治", "音乐", "美术", "体育与健康", "信息科技")
TEACHING_FORMS = (("{s}教学设计与案例·{g}年级", "G623", "{g}年级{s}课堂教学设计与课例。"),
                  ("{s}名师课堂实录·{g}年级", "G623", "{g}年级{s}名师课例实录与评析。"),
                  ("{s}作业设计·{g}年级", "G623", "{g}年级{s}分层作业与评价设计。"))


def _make(title: str, clc: str, lo: int, hi: int, subjects: str, summary: str, rng: random.Random,
          item_type: ItemType = ItemType.GENERAL, series: str = "") -> BookSpec:
    publishers = TEACHER_PUBLISHERS if item_type == ItemType.TEACHING_REFERENCE else PUBLISHERS
    return BookSpec(title=title, author=author_name(rng), publisher=rng.choice(publishers),
                    year=rng.randint(2008, 2024), clc=clc, min_grade=lo, max_grade=hi, subjects=subjects,
                    series=series, item_type=item_type, copies=rng.choice((1, 1, 2, 2, 2, 3)),
                    price_fen=rng.randint(16, 48) * 100 + rng.choice((0, 50, 80)), summary=summary, real=False)


def _science(rng: random.Random) -> Iterator[BookSpec]:
    for topic, clc in SCIENCE_TOPICS.items():
        for form, lo, hi, summary in SCIENCE_FORMS:
            series = "科学探索丛书" if form.startswith("科学探索") else ""
            yield _make(form.format(t=topic), f"{clc}-49", lo, hi, f"科普 {topic}", summary.format(t=topic),
                        rng, series=series)


def _history(rng: random.Random) -> Iterator[BookSpec]:
    for era in HISTORY_ERAS:
        for form, lo, hi, summary in HISTORY_FORMS:
            yield _make(form.format(e=era), "K209", lo, hi, "历史", summary.format(e=era), rng)
    for person in PEOPLE:
        for form, lo, hi, summary in PEOPLE_FORMS:
            yield _make(form.format(p=person), "K81", lo, hi, "传记 历史", summary.format(p=person), rng)


def _stories(rng: random.Random) -> Iterator[BookSpec]:
    for hero in STORY_HEROES:
        for thing in STORY_THINGS:
            form, lo, hi, subjects, summary = rng.choice(STORY_FORMS)
            yield _make(form.format(h=hero, x=thing), "I287.7", lo, hi, subjects,
                        summary.format(h=hero, x=thing), rng)
    for place in YOUTH_PLACES:
        for time in YOUTH_TIMES:
            yield _make(f"{place}的{time}", "I287.45", 4, 8, "成长 小说",
                        f"一个少年在{place}度过的{time}和成长心事。", rng)


def _series(rng: random.Random) -> Iterator[BookSpec]:
    for name, clc, lo, hi, subjects, summary in ANTHOLOGY_KINDS:
        for n in CN_NUMBERS:
            yield _make(f"{name}·第{n}辑", clc, lo, hi, subjects, summary, rng, series=name)
    for grade in range(1, 7):
        for half in ("上册", "下册"):
            g = GRADE_NAMES[grade - 1]
            yield _make(f"趣味数学·{g}年级{half}", "O1-49", grade, grade, "数学 益智",
                        f"{g}年级数学思维训练和趣味题。", rng, series="趣味数学")
            yield _make(f"语文同步阅读·{g}年级{half}", "G624.233", grade, grade, "阅读 语文",
                        f"配合{g}年级语文课本的课外阅读。", rng, series="语文同步阅读")
    for level in range(1, 11):
        for book in range(1, 7):
            yield _make(f"英语分级阅读·第{level}级·第{book}册", "H319.4", min(9, (level + 1) // 2 + 1),
                        min(9, (level + 1) // 2 + 3), "英语 阅读", f"第{level}级英语分级小故事，配有词汇表。",
                        rng, series="英语分级阅读")


def _teaching(rng: random.Random) -> Iterator[BookSpec]:
    for subject in SUBJECTS:
        for grade in range(1, 10):
            g = GRADE_NAMES[grade - 1]
            for form, clc, summary in TEACHING_FORMS:
                yield _make(form.format(s=subject, g=g), clc if grade <= 6 else "G633", TEACHERS_ONLY,
                            TEACHERS_ONLY, f"教学 {subject}", summary.format(s=subject, g=g), rng,
                            item_type=ItemType.TEACHING_REFERENCE)


CAREERS = "医生 警察 消防员 老师 厨师 农民 科学家 宇航员 飞行员 建筑师 邮递员 护士 画家 音乐家 记者 工程师 兽医 快递员".split()
FESTIVALS = "春节 元宵节 清明节 端午节 七夕节 中秋节 重阳节 腊八节".split()


def _picture_books(rng: random.Random) -> Iterator[BookSpec]:
    for career in CAREERS:
        yield _make(f"长大我想当{career}", "I287.8", 1, 2, "绘本 职业",
                    f"图画书带孩子认识{career}的一天。", rng, series="职业体验绘本")
    for festival in FESTIVALS:
        yield _make(f"传统节日绘本·{festival}", "I287.8", 1, 3, "绘本 传统文化 节日",
                    f"讲述{festival}的由来和习俗。", rng, series="传统节日绘本")
        yield _make(f"{festival}的故事", "K892.1", 2, 5, "传统文化 节日",
                    f"{festival}的传说、诗词和风俗。", rng)


FAMILIES: tuple[Callable[[random.Random], Iterator[BookSpec]], ...] = (
    _science, _history, _stories, _series, _teaching, _picture_books)


def synthetic_books(count: int, taken: set[str], seed: int = SEED) -> list[BookSpec]:
    """`count` distinct invented titles, none equal to a title in `taken`, the same on every call."""
    rng = random.Random(seed)
    pool: dict[str, BookSpec] = {}
    for family in FAMILIES:
        for book in family(rng):
            if book.title not in taken:
                pool.setdefault(book.title, book)
    titles = sorted(pool)
    if len(titles) < count:
        raise ValueError(f"only {len(titles)} synthetic titles available, {count} asked")
    chosen = random.Random(seed).sample(titles, count)
    return [pool[t] for t in chosen]
