"""The scripted part of the demo: the loans the demo users see, and one of every circulation state.

Everything else (most open loans and the term's history) is random but seeded, in random_loans().
"""
from __future__ import annotations

from datetime import date, timedelta

from core.demo import users
from core.demo.circulation import DAMAGE_FEN, Planner
from core.demo.plan import ReaderRec
from core.models import ChargeKind, ItemStatus, ItemType, ReaderType

WITHDRAWN_COPIES = 12
REPAIR_COPIES = 6
OPEN_LOAN_SHARE = 0.35  # pupils with one book out today
SECOND_LOAN_SHARE = 0.1
OVERDUE_SHARE = 0.08
TEACHER_LOAN_SHARE = 0.4


def demo_family(p: Planner, card: dict[str, ReaderRec]) -> None:
    """张老师, 李老师's class, and 陈思雨 / 陈思远 whose mother is the demo parent."""
    teacher = card[users.TEACHER_CARD]
    p.due_soon(teacher, p.copy_of("城南旧事"))
    p.overdue(teacher, p.copy_of("窗边的小豆豆"), days_late=4)
    guide = p.lend_due_between(teacher, p.copy_of("给教师的建议"), p.today + timedelta(days=3),
                               p.today + timedelta(days=7))
    p.renew(guide, p.previous_open_day(p.today))
    for loan_day in p.open_days[5:40:8]:
        p.returned_loan(teacher, loan_day, late=False)

    pupil = card[users.DEMO_STUDENT_CARD]
    p.current(pupil, p.copy_of("草房子"))
    p.overdue(pupil, p.copy_of("夏洛的网"), days_late=9)
    p.returned_loan(pupil, p.open_days[3], late=False, title="小猪唏哩呼噜")
    p.returned_loan(pupil, p.open_days[12], late=True, title="没头脑和不高兴")
    p.returned_loan(pupil, p.open_days[24], late=False, title="稻草人")
    sibling = card[users.DEMO_SIBLING_CARD]
    p.due_soon(sibling, p.copy_of("猜猜我有多爱你"))
    p.returned_loan(sibling, p.open_days[10], late=False, title="好饿的毛毛虫")


def demo_class_overdue(p: Planner, classmates: list[ReaderRec]) -> None:
    """Several overdue pupils in 三年级2班, one of them overdue again after a renewal."""
    others = [r for r in classmates if r.card_no != users.DEMO_STUDENT_CARD]
    for reader, days_late in zip(others[2:6], (2, 5, 11, 16), strict=True):
        item = p.pick(reader, p.today - timedelta(days=40), date.max, ItemType.GENERAL)
        if item is not None:
            p.overdue(reader, item, days_late)
    renewed_late = others[6]
    item = p.pick(renewed_late, p.today - timedelta(days=50), date.max, ItemType.GENERAL)
    if item is not None:
        loan = p.overdue(renewed_late, item, days_late=17)
        p.renew(loan, loan.due_date)
        if loan.due_date >= p.today:  # the renewal would have saved it: keep it simply overdue
            loan.due_date, loan.renewals = loan.renewals[0][1], []


def waiting_and_ready(p: Planner, card: dict[str, ReaderRec], seniors: list[ReaderRec],
                      teachers: list[ReaderRec]) -> None:
    """Popular titles with every copy out and a queue; one copy on the hold shelf for 张老师."""
    p.lend_all_copies("哈利·波特与魔法石", seniors)
    first, second = seniors[-1], card[users.DEMO_STUDENT_CARD]
    p.reserve("哈利·波特与魔法石", first, p.open_days[-6])
    p.reserve("哈利·波特与魔法石", second, p.open_days[-3])
    p.lend_all_copies("三体", seniors[8:])
    p.reserve("三体", teachers[5], p.open_days[-4])

    ready_day = p.previous_open_day(p.today)
    returner = teachers[7]
    copy = p.copy_of("第56号教室的奇迹", ready_day - timedelta(days=30))
    loan = p.lend_due_between(returner, copy, ready_day, ready_day + timedelta(days=10))
    p.close(loan, ready_day)
    plan = p.reserve("第56号教室的奇迹", card[users.TEACHER_CARD], p.open_days[-8])
    p.hold(plan, copy, ready_day)


def special_states(p: Planner, pupils: list[ReaderRec], teachers: list[ReaderRec]) -> None:
    """A recall, two lost books, damaged copies in repair, and withdrawn old copies."""
    recalled = p.lend_due_between(teachers[9], p.copy_of("正面管教"), p.today + timedelta(days=8),
                                  p.today + timedelta(days=14))
    recall_day = p.previous_open_day(p.today)
    recalled.recalled_day = recall_day
    recalled.due_date = min(recalled.due_date, p.calendar.add_open_days(recall_day, 3))

    for reader, paid in ((pupils[150], False), (pupils[230], True)):
        item = p.pick(reader, p.open_days[0], date.max, ItemType.GENERAL)
        if item is None:
            continue
        loan = p.lend(reader, item, p.open_days[6])
        p.close(loan, p.open_days[-5], lost=True)
        p.charge(loan, ChargeKind.LOST, item.book.price_fen, p.open_days[-5], paid, note="遗失照价赔偿")

    for reader, paid in ((pupils[60], True), (pupils[200], False)):
        loan = p.returned_loan(reader, p.open_days[-15], late=False)
        if loan is not None:
            loan.item.status = ItemStatus.IN_REPAIR
            p.charge(loan, ChargeKind.DAMAGE, DAMAGE_FEN, loan.returned_day or p.today, paid, note="污损修补")

    shelf = [i for i in p.items if i.status == ItemStatus.AVAILABLE and i.item_type == ItemType.GENERAL
             and not i.busy]
    for item in shelf[7:7 + WITHDRAWN_COPIES * 37:37]:
        item.status = ItemStatus.WITHDRAWN
    for item in shelf[11:11 + REPAIR_COPIES * 53:53]:
        item.status = ItemStatus.IN_REPAIR


def random_loans(p: Planner, pupils: list[ReaderRec], teachers: list[ReaderRec]) -> None:
    """Today's ordinary open loans across the school, a few of them overdue, within the loan limits."""
    for reader in pupils + teachers:
        if reader.card_no in (users.TEACHER_CARD, users.DEMO_STUDENT_CARD, users.DEMO_SIBLING_CARD):
            continue
        share = TEACHER_LOAN_SHARE if reader.reader_type == ReaderType.TEACHER else OPEN_LOAN_SHARE
        count = int(p.rng.random() < share) + int(p.rng.random() < SECOND_LOAN_SHARE)
        for _ in range(count):
            item = p.pick(reader, p.today - timedelta(days=45), date.max)
            if item is None or not p.may_borrow(reader, item):
                continue
            if p.rng.random() < OVERDUE_SHARE:
                p.overdue(reader, item, p.rng.randint(1, 20))
            elif p.rng.random() < 0.15:
                p.due_soon(reader, item)
            else:
                loan = p.current(reader, item)
                if loan.renewals == [] and p.rng.random() < 0.1:
                    p.renew(loan, p.previous_open_day(p.today))


CLASS_CORNER_COPIES = 12  # 三年级2班's own class collection (集体借阅)
DRIFTED_COPIES = 8  # a set 三年级1班 read first, moved on to 三年级2班 (图书漂流)


def demo_class_collection(p: Planner, corner: ReaderRec, neighbour: ReaderRec) -> None:
    """三年级2班's 班级图书角: a set lent early in the term, and a set moved on from 三年级1班 (漂流).

    The move is planned as core.circulation.collections.move_collection makes it: the first class's
    loan closed on the move day, a new one opened for the second class with the same due date.
    """
    if len(p.open_days) < 12:  # the term has only just begun: the class borrows today
        lend_day, first_day = p.today, p.today
        move_day = p.today
    else:
        first_day, lend_day, move_day = p.open_days[1], p.open_days[3], p.open_days[-5]
    for _ in range(CLASS_CORNER_COPIES):
        item = p.pick(corner, lend_day, date.max, ItemType.GENERAL)
        if item is not None:
            p.lend(corner, item, lend_day)
    for _ in range(DRIFTED_COPIES):
        item = p.pick(neighbour, first_day, date.max, ItemType.GENERAL)
        if item is None:
            continue
        first = p.lend(neighbour, item, first_day)
        if move_day > first_day:
            p.close(first, move_day)
            p.lend(corner, item, move_day, due=first.due_date)
