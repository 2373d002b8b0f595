"""Catalogue search benchmark: 100,000 titles / 200,000 copies in SQLite, against a LIKE scan.

Run: .venv/bin/python bench/search.py [--titles N] [--rebuild-db]
The database is generated deterministically once and cached under bench/out/.
"""
from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, or_, select  # noqa: E402
from sqlalchemy.orm import Session, sessionmaker  # noqa: E402

from core.catalogue import bump_catalogue_version  # noqa: E402
from core.clock import FixedClock  # noqa: E402
from core.isbn import make_isbn13  # noqa: E402
from core.library import Library  # noqa: E402
from core.models import Item, ItemStatus, ItemType, Loan, Reader, ReaderType, Title  # noqa: E402
from core.search import CatalogueSearch  # noqa: E402
from core.search.loader import load_availability  # noqa: E402
from core.search.pinyin import spellings  # noqa: E402

OUT = Path(__file__).resolve().parent / "out"
DATA_VERSION = 2  # bump when the generator changes, so the cached file is rebuilt
NOW = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)
P95_TARGET_MS = 20.0
RATIO_TARGET = 20.0

FAMOUS = [
    ("草房子", "曹文轩 著"), ("青铜葵花", "曹文轩 著"), ("城南旧事", "林海音 著"), ("三体", "刘慈欣 著"),
    ("三体Ⅱ：黑暗森林", "刘慈欣 著"), ("西游记", "吴承恩 著"), ("小王子", "[法]圣埃克苏佩里 著"),
    ("狼王梦", "沈石溪 著"), ("窗边的小豆豆", "[日]黑柳彻子 著"), ("长袜子皮皮", "[瑞典]林格伦 著"),
    ("哈利·波特与魔法石", "[英]J.K.罗琳 著"), ("哈利·波特与密室", "[英]J.K.罗琳 著"),
    ("夏洛的网", "[美]E.B.怀特 著"), ("骆驼祥子", "老舍 著"), ("朝花夕拾", "鲁迅 著"),
    ("稻草人", "叶圣陶 著"), ("寄小读者", "冰心 著"), ("皮皮鲁传", "郑渊洁 著"), ("重返狼群", "李微漪 著"),
    ("爱的教育", "[意]亚米契斯 著"), ("绿野仙踪", "[美]弗兰克·鲍姆 著"), ("昆虫记", "[法]法布尔 著"),
    ("海底两万里", "[法]凡尔纳 著"), ("安徒生童话", "[丹麦]安徒生 著"), ("格林童话", "格林兄弟 著"),
    ("小猪唏哩呼噜", "孙幼军 著"), ("没头脑和不高兴", "任溶溶 著"), ("大林和小林", "张天翼 著"),
    ("宝葫芦的秘密", "张天翼 著"), ("红楼梦", "曹雪芹 著"), ("水浒传", "施耐庵 著"), ("三国演义", "罗贯中 著"),
    ("繁星·春水", "冰心 著"), ("呼兰河传", "萧红 著"), ("钢铁是怎样炼成的", "[苏]奥斯特洛夫斯基 著"),
    ("汤姆·索亚历险记", "[美]马克·吐温 著"), ("鲁滨逊漂流记", "[英]笛福 著"), ("米小圈上学记", "北猫 著"),
    ("猫武士", "[英]艾琳·亨特 著"), ("淘气包马小跳", "杨红樱 著"),
]
MODIFIERS = ("小 大 神奇的 勇敢的 会飞的 快乐的 蓝色的 古老的 淘气的 聪明的 孤独的 遥远的 秘密的 金色的 "
             "安静的 好奇的 爱哭的 迷路的 最后的 第一只 红色的 透明的 会说话的 夜里的 春天的 冬天的 "
             "胆小的 骄傲的 温柔的 长长的 重重的 奇怪的 不睡觉的 爱笑的 白色的 失踪的 隐形的 流浪的").split()
NOUNS = ("狐狸 兔子 森林 小镇 王国 星星 月亮 大海 花园 城堡 机器人 恐龙 小熊 鲸鱼 火车 魔法师 女孩 男孩 "
         "老师 爷爷 奶奶 妈妈 爸爸 朋友 小猫 小狗 帆船 灯塔 山谷 河流 雨伞 雪人 风筝 种子 大树 书店 蜗牛 "
         "蚂蚁 蝴蝶 萤火虫 熊猫 老虎 狮子 大象 长颈鹿 企鹅 海豚 乌龟 青蛙 麻雀 燕子 骆驼 小马 飞船 "
         "宇航员 侦探 公主 国王 巨人 精灵 怪兽 影子 钥匙 地图 宝藏 岛屿 沙漠 雪山 草原 村庄 学校 教室 "
         "图书馆 博物馆 动物园 邮局 面包店 钟表 铅笔 书包 口袋 星球 银河 彩虹 云朵 太阳 校园 胡同").split()
SUFFIXES = ("的故事 历险记 日记 之谜 传奇 奇遇记 探险 的秘密 的一天 的梦 大冒险 漫游记 成长记 的礼物 "
            "的旅行 的约定 来了 回家 去哪儿了 在哪里").split()
PLACES = "北京 上海 江南 草原 海边 山村 城市 森林 雪山 小镇 长江 黄河 西湖 古城 胡同".split()
SUBJECTS = "童话 科普 科幻 历史 成长 动物 绘本 诗歌 散文 侦探 冒险 数学 地理 艺术 传记 自然 友谊 校园 幽默 神话".split()
NONFICTION = ("写给孩子的{s} {s}百科全书 {s}启蒙 少儿{s}大图鉴 {s}原来这么有趣 趣味{s} 图说{s} "
              "中国孩子的{s}课 {s}小百科 {s}知识问答").split()
NF_TOPICS = ("中国历史 世界历史 数学 物理 化学 天文 地理 恐龙 昆虫 植物 海洋 人体 科学 音乐 美术 "
             "成语 古诗 汉字 哲学 经济 编程 环境 宇宙 火山 天气").split()
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛")
GIVEN = list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂文华红玉兰建国晓燕海波云飞鹏宇欣然子涵梓萱浩轩思远雨桐嘉怡一诺天佑晨阳心怡博文亦菲佳琪俊杰")
FOREIGN = ("安娜 玛丽 约翰 汤姆 露西 艾米 彼得 杰克 乔治 苏菲 莉莉 马克 保罗 爱丽丝 詹姆斯 米娅 卡尔 汉斯").split()
FOREIGN_FAMILY = "史密斯 布朗 怀特 格林 米勒 穆勒 杜邦 罗西 佐藤 铃木 安德森 约翰逊 卡特 泰勒".split()
COUNTRIES = "英 美 法 德 日 意 瑞典 加 澳".split()
PUBLISHERS = ("人民文学出版社 少年儿童出版社 接力出版社 明天出版社 二十一世纪出版社 浙江少年儿童出版社 "
              "中国少年儿童出版社 长江少年儿童出版社 新蕾出版社 天天出版社 译林出版社 商务印书馆 中华书局 "
              "江苏凤凰少年儿童出版社 湖南少年儿童出版社 北京少年儿童出版社").split()
COMMON_CHARS = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说"
VERBS = "寻找 守护 告别 发现 等待 追赶 修理 照顾 拯救 认识 离开 回到".split()


def _authors(rng: random.Random, count: int) -> list[str]:
    names: set[str] = set()
    while len(names) < count:
        if rng.random() < 0.15:
            names.add(f"[{rng.choice(COUNTRIES)}]{rng.choice(FOREIGN)}·{rng.choice(FOREIGN_FAMILY)} 著")
        else:
            given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
            names.add(f"{rng.choice(SURNAMES)}{given}")
    ordered = sorted(names)
    rng.shuffle(ordered)
    return ordered


def _title(rng: random.Random) -> tuple[str, str]:
    """A title and its main subject."""
    roll = rng.random()
    subject = rng.choice(SUBJECTS)
    if roll < 0.15:
        topic = rng.choice(NF_TOPICS)
        return rng.choice(NONFICTION).format(s=topic), "科普"
    noun, other = rng.choice(NOUNS), rng.choice(NOUNS)
    if roll < 0.40:
        return f"{rng.choice(MODIFIERS)}{noun}{rng.choice(SUFFIXES)}", subject
    if roll < 0.55:
        return f"{noun}和{other}", subject
    if roll < 0.70:
        return f"{rng.choice(PLACES)}的{rng.choice(MODIFIERS)}{noun}", subject
    if roll < 0.85:
        return f"{rng.choice(MODIFIERS)}{noun}", subject
    return f"{noun}{rng.choice(SUFFIXES)}（{rng.randint(1, 12)}）", subject


def _summary(rng: random.Random) -> str:
    return (f"{rng.choice(MODIFIERS)}{rng.choice(NOUNS)}和{rng.choice(NOUNS)}在{rng.choice(PLACES)}"
            f"{rng.choice(VERBS)}{rng.choice(NOUNS)}的故事，讲述{rng.choice(SUBJECTS)}与{rng.choice(SUBJECTS)}。")


def _batches(rows: list[dict[str, object]], size: int = 5000) -> Iterator[list[dict[str, object]]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def generate(path: Path, titles: int) -> None:
    """Write a deterministic catalogue: `titles` titles, 2 copies each on average, loans."""
    rng = random.Random(20261118)
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    lib = Library.open(f"sqlite:///{tmp}", clock=FixedClock(NOW))
    authors = _authors(rng, max(50, titles // 7))
    title_rows: list[dict[str, object]] = []
    for n in range(titles):
        if n < len(FAMOUS):
            name, author, subject = *FAMOUS[n], "成长"
        else:
            # A few prolific authors (a twentieth write 30% of the books), the rest one or two books.
            prolific = rng.random() < 0.3
            (name, subject), author = _title(rng), authors[rng.randrange(len(authors) // 20 if prolific
                                                                         else len(authors))]
        grade = rng.randint(1, 9)
        title_rows.append(dict(
            id=n + 1, isbn=make_isbn13(f"9787{n:08d}"), title=name, author=author,
            publisher=rng.choice(PUBLISHERS), year=rng.randint(1990, 2025), clc="I287", summary=_summary(rng),
            series=f"{rng.choice(MODIFIERS)}{rng.choice(NOUNS)}系列" if rng.random() < 0.1 else "",
            min_grade=grade, max_grade=min(9, grade + 2), subjects=f"{subject} {rng.choice(SUBJECTS)}",
            created_at=NOW))
    copies = [1 + rng.randrange(3) for _ in range(titles)]
    while sum(copies) != 2 * titles:  # exactly two copies per title on average
        i = rng.randrange(titles)
        copies[i] = max(1, copies[i] + (1 if sum(copies) < 2 * titles else -1))
    item_rows: list[dict[str, object]] = []
    statuses = [ItemStatus.AVAILABLE] * 85 + [ItemStatus.ON_LOAN] * 12 + [
        ItemStatus.LOST, ItemStatus.WITHDRAWN, ItemStatus.IN_REPAIR]
    for title_id, count in enumerate(copies, start=1):
        for _ in range(count):
            item_type = (ItemType.REFERENCE if rng.random() < 0.03 else
                         ItemType.TEACHING_REFERENCE if rng.random() < 0.05 else ItemType.GENERAL)
            status = rng.choice(statuses)
            if item_type == ItemType.REFERENCE and status == ItemStatus.ON_LOAN:
                status = ItemStatus.AVAILABLE
            item_rows.append(dict(id=len(item_rows) + 1, barcode=f"B{len(item_rows) + 1:07d}", title_id=title_id,
                                  call_number=f"I287.{title_id % 97}/{title_id}", location=f"{1 + title_id % 3}楼",
                                  item_type=item_type, price_fen=rng.randint(1500, 6000), status=status,
                                  created_at=NOW))
    readers = [dict(id=r + 1, card_no=f"S{r:05d}", name=f"学生{r}", reader_type=ReaderType.STUDENT,
                    created_at=NOW) for r in range(2000)]
    loans: list[dict[str, object]] = []
    for item in item_rows:
        if item["status"] == ItemStatus.ON_LOAN:
            loans.append(dict(item_id=item["id"], reader_id=rng.randint(1, 2000), loaned_at=NOW - timedelta(days=7),
                              due_date=date(2026, 11, 18) + timedelta(days=rng.randint(-10, 14)), is_open=True))
    first_item = [1 + n for n in accumulate(copies, initial=0)]  # first item id of each title
    # Returned loans, Zipf-skewed towards popular titles (the top one gets about a thousand).
    weights = [1 / rank ** 0.8 for rank in range(1, titles + 1)]
    for title_id in rng.choices(range(1, titles + 1), weights=weights, k=titles // 2):
        copy = rng.randrange(copies[title_id - 1])
        loans.append(dict(item_id=first_item[title_id - 1] + copy, reader_id=rng.randint(1, 2000),
                          loaned_at=NOW - timedelta(days=100), due_date=date(2026, 8, 1),
                          returned_at=NOW - timedelta(days=90), is_open=False))
    with lib.session_factory() as session:
        for table, rows in ((Title, title_rows), (Item, item_rows), (Reader, readers), (Loan, loans)):
            for batch in _batches(rows):
                session.execute(insert(table), batch)
        bump_catalogue_version(session)
        session.commit()
    lib.close()
    tmp.replace(path)


def queries(factory: sessionmaker[Session], rng: random.Random) -> list[tuple[str, str]]:
    """A mixed query set (kind, text) drawn from the generated catalogue."""
    with factory() as session:
        rows = session.execute(select(Title.title, Title.author, Title.isbn, Title.subjects)).all()
    picks = [rows[i] for i in rng.sample(range(len(rows)), 200)]
    famous = [r for r in rows[:len(FAMOUS)]]
    out: list[tuple[str, str]] = []
    for r in famous[:20] + picks[:40]:
        out.append(("title", r.title))
    for r in picks[40:80]:
        key = r.title.replace("·", "")
        start = rng.randrange(max(1, len(key) - 2))
        out.append(("partial", key[start:start + rng.randint(2, 4)]))
    for r in famous[:10] + picks[80:110]:
        out.append(("author", r.author.replace(" 著", "").split("]")[-1]))
    for r in picks[110:140]:
        isbn = r.isbn
        out.append(("isbn", f"{isbn[:3]}-{isbn[3]}-{isbn[4:8]}-{isbn[8:12]}-{isbn[12]}" if rng.random() < 0.5
                    else isbn))
    for r in famous[:15] + picks[140:155]:
        full, initials = spellings(r.title)[0]
        out.append(("pinyin", full))
        out.append(("initials", initials))
    for r in famous[:15] + picks[155:185]:
        if len(r.title) < 3:
            continue
        i = rng.randrange(len(r.title))
        wrong = rng.choice([c for c in COMMON_CHARS if c != r.title[i]])
        out.append(("typo", r.title[:i] + wrong + r.title[i + 1:]))
    for r in picks[185:200]:
        out.append(("keyword", r.subjects.split()[0]))
    out += [("miss", q) for q in ("量子纠缠导论", "xyzqwv", "的的的", "9780000000001", "Quantum")]
    return out


def _ms(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return statistics.median(ordered) * 1000, p95 * 1000, statistics.fmean(ordered) * 1000


def timed(ours: Callable[[str], object], baseline: Callable[[str], object], qs: list[tuple[str, str]],
          repeat: int) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Per-kind timings; the two are interleaved query by query so machine load hits both alike."""
    mine: dict[str, list[float]] = {}
    theirs: dict[str, list[float]] = {}
    for kind, text in qs:
        for _ in range(repeat):
            start = time.perf_counter()
            ours(text)
            mine.setdefault(kind, []).append(time.perf_counter() - start)
        start = time.perf_counter()
        baseline(text)
        theirs.setdefault(kind, []).append(time.perf_counter() - start)
    return mine, theirs


def like_search(factory: sessionmaker[Session]) -> Callable[[str], object]:
    """The naive baseline: LIKE '%q%' over title and author, then the same availability lookup."""
    def run(query: str) -> object:
        pattern = "%" + query.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        with factory() as session:
            ids = session.scalars(select(Title.id).where(or_(Title.title.like(pattern, escape="\\"),
                                                             Title.author.like(pattern, escape="\\")))).all()
            return len(ids), load_availability(session, list(ids[:5]))
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--titles", type=int, default=100_000)
    parser.add_argument("--rebuild-db", action="store_true")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    path = OUT / f"search-{args.titles}-v{DATA_VERSION}.db"
    if args.rebuild_db or not path.exists():
        start = time.perf_counter()
        generate(path, args.titles)
        print(f"generated {path.name} in {time.perf_counter() - start:.1f} s")
    lib = Library.open(f"sqlite:///{path}", clock=FixedClock(NOW), migrate=False)
    with lib.session_factory() as session:
        n_titles = session.query(Title).count()
        n_items = session.query(Item).count()
    print(f"catalogue: {n_titles:,} titles, {n_items:,} copies ({path.name})")

    search = CatalogueSearch(lib.read_session_factory, background=False)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    search.refresh()
    cold = time.perf_counter() - start
    start = time.perf_counter()
    search.refresh()
    warm = time.perf_counter() - start
    rss = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) / 1024
    print(f"index build: {cold:.2f} s cold, {warm:.2f} s rebuild (pinyin cached); peak RSS +{rss:.0f} MB")

    qs = queries(lib.read_session_factory, random.Random(7))
    for _, text in qs:  # warm-up: compile statements, fill SQLite's page cache
        search.search(text)
    ours, like = timed(search.search, like_search(lib.read_session_factory), qs, repeat=3)
    print(f"\n{len(qs)} queries × 3 runs (index) and × 1 run (LIKE)")
    print(f"{'kind':<10}{'n':>4}{'p50 ms':>9}{'p95 ms':>9}{'LIKE p50':>10}{'ratio':>8}")
    for kind in ours:
        p50, p95, _ = _ms(ours[kind])
        lp50, _, _ = _ms(like[kind])
        print(f"{kind:<10}{len(ours[kind]) // 3:>4}{p50:>9.2f}{p95:>9.2f}{lp50:>10.2f}{lp50 / p50:>7.0f}×")
    all_ours = [t for ts in ours.values() for t in ts]
    all_like = [t for ts in like.values() for t in ts]
    p50, p95, mean = _ms(all_ours)
    lp50, lp95, lmean = _ms(all_like)
    print(f"{'all':<10}{len(qs):>4}{p50:>9.2f}{p95:>9.2f}{lp50:>10.2f}{lp50 / p50:>7.0f}×")
    print(f"\nindex search: p50 {p50:.2f} ms, p95 {p95:.2f} ms, mean {mean:.2f} ms, max {max(all_ours) * 1000:.1f} ms")
    print(f"LIKE scan:    p50 {lp50:.2f} ms, p95 {lp95:.2f} ms, mean {lmean:.2f} ms")
    ratio = lmean / mean
    print(f"speed-up: {ratio:.0f}× on the mean, {lp50 / p50:.0f}× on the median")
    print(f"p95 ≤ {P95_TARGET_MS:.0f} ms: {'target met' if p95 <= P95_TARGET_MS else 'target missed'} ({p95:.2f} ms)")
    print(f"≥ {RATIO_TARGET:.0f}× faster than LIKE: {'target met' if ratio >= RATIO_TARGET else 'target missed'} "
          f"({ratio:.0f}×)")
    lib.close()


if __name__ == "__main__":
    main()
