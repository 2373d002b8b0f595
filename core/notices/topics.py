"""The kinds of push (topics) a user can stop, with the words people use for them."""
from __future__ import annotations

DUE_SOON = "due_soon"
OVERDUE = "overdue"
CLASS_WEEKLY = "class_weekly"
RESERVATION_READY = "reservation_ready"
NEW_BOOKS = "new_books"
ACTIVITIES = "activities"
TERM_END = "term_end"
CLASS_TURN = "class_turn"
CLASS_SUMMARY = "class_summary"
ALL = "*"

LABELS: dict[str, str] = {
    DUE_SOON: "到期提醒",
    OVERDUE: "催还通知",
    CLASS_WEEKLY: "班级逾期周报",
    RESERVATION_READY: "到书通知",
    NEW_BOOKS: "新书推荐",
    ACTIVITIES: "活动通知",
    TERM_END: "期末还书提醒",
    CLASS_TURN: "借书日提醒",
    CLASS_SUMMARY: "班级借阅周报",
    ALL: "全部推送",
}

# Words in a 退订 message → topic; checked in order, the first hit wins.
WORDS: tuple[tuple[str, str], ...] = (
    ("借阅周报", CLASS_SUMMARY), ("借阅情况", CLASS_SUMMARY),  # before 周报 (the overdue list)
    ("新书", NEW_BOOKS), ("推荐", NEW_BOOKS), ("活动", ACTIVITIES), ("到期", DUE_SOON),
    ("催", OVERDUE), ("逾期", OVERDUE), ("周报", CLASS_WEEKLY), ("到书", RESERVATION_READY),
    ("预约", RESERVATION_READY), ("期末", TERM_END), ("借书日", CLASS_TURN), ("全部", ALL), ("所有", ALL),
)

# Notices about the user's own books: stopping them needs an explicit choice, never "全部" alone.
ESSENTIAL = frozenset({OVERDUE})


def topic_from_text(text: str) -> str | None:
    """The topic a message like "退订新书推荐" names, or None when it names none."""
    for word, topic in WORDS:
        if word in text:
            return topic
    return None
