"""A small fixed school whose figures are computed by hand in test_reports.py."""
from __future__ import annotations

from datetime import date, timedelta

from core.clock import school_datetime
from core.library import Library
from core.models import Item, ItemStatus, Loan, Reader, ReaderType, SchoolClass, Title
from tests.factories import add_term

CLASSES = {"三年级1班": 3, "三年级2班": 3, "四年级1班": 4}
STUDENTS = {"S301": ("安一", "三年级1班"), "S302": ("安二", "三年级1班"), "S303": ("安三", "三年级1班"),
            "S311": ("白一", "三年级2班"), "S312": ("白二", "三年级2班"),
            "S401": ("陈一", "四年级1班"), "S402": ("陈二", "四年级1班")}
COPIES = {"草房子": ["CF1", "CF2", "CF3", "CF4"], "三体": ["ST1", "ST2", "ST3", "STL"],
          "小王子": ["XW1", "XW2", "XW3", "XWW"]}
# (card, barcode, loaned, returned or None, lost): due 14 days after the loan
LOANS = [
    ("S301", "CF1", date(2026, 9, 7), date(2026, 9, 14), False),
    ("S301", "CF2", date(2026, 10, 12), date(2026, 10, 20), False),
    ("S301", "ST1", date(2026, 10, 13), date(2026, 10, 20), False),
    ("S302", "XW1", date(2026, 9, 8), date(2026, 9, 25), False),  # 3 days late
    ("S311", "CF3", date(2026, 9, 15), date(2026, 9, 20), False),
    ("S311", "XW2", date(2026, 10, 27), None, False),  # due 11-10, still out on 11-18: overdue
    ("S312", "ST2", date(2026, 11, 2), date(2026, 11, 5), False),
    ("S312", "CF1", date(2026, 11, 16), date(2026, 11, 17), False),
    ("S401", "STL", date(2026, 10, 12), None, True),  # lost
    ("T001", "CF4", date(2026, 9, 7), date(2026, 9, 10), False),
    ("T001", "ST3", date(2026, 11, 16), None, False),  # out, not yet due
    ("S301", "XW3", date(2026, 8, 20), date(2026, 8, 25), False),  # before the term: not counted
]


def build_school(library: Library) -> None:
    """Classes, 7 students, 1 teacher, 12 copies (10 held), 12 loans."""
    add_term(library)
    now = library.now()
    with library.uow() as uow:
        s = uow.session
        classes = {name: SchoolClass(name=name, grade=grade) for name, grade in CLASSES.items()}
        s.add_all(classes.values())
        s.flush()
        readers = {card: Reader(card_no=card, name=name, reader_type=ReaderType.STUDENT,
                                class_id=classes[cls].id, created_at=now) for card, (name, cls) in STUDENTS.items()}
        readers["T001"] = Reader(card_no="T001", name="张老师", reader_type=ReaderType.TEACHER, created_at=now)
        s.add_all(readers.values())
        items = {}
        for title, barcodes in COPIES.items():
            t = Title(title=title, author="作者" + title, created_at=now)
            s.add(t)
            s.flush()
            for barcode in barcodes:
                status = {"STL": ItemStatus.LOST, "XWW": ItemStatus.WITHDRAWN, "XW2": ItemStatus.ON_LOAN,
                          "ST3": ItemStatus.ON_LOAN}.get(barcode, ItemStatus.AVAILABLE)
                items[barcode] = Item(barcode=barcode, title_id=t.id, status=status, location="二楼A架",
                                      created_at=now)
                s.add(items[barcode])
        s.flush()
        for card, barcode, loaned, returned, lost in LOANS:
            s.add(Loan(item_id=items[barcode].id, reader_id=readers[card].id, loaned_at=school_datetime(loaned, 10),
                       due_date=loaned + timedelta(days=14),
                       returned_at=school_datetime(returned, 11) if returned else None,
                       lost_at=school_datetime(loaned + timedelta(days=18), 9) if lost else None,
                       is_open=returned is None and not lost))
        uow.commit()
