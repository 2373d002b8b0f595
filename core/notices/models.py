"""Tables owned by the notices: activities announced to chosen grades or classes (活动通知)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base, UTCDateTime


class Activity(Base):
    """A reading activity the librarian announces; grades/classes empty = the whole school."""

    __tablename__ = "activities"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text, default="")  # one or two sentences: what, where, what to bring
    starts_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(40), default="", server_default="")  # 图书室, 阅览室; "" = not said
    grades: Mapped[str] = mapped_column(String(60), default="")  # "3 4 5"
    classes: Mapped[str] = mapped_column(String(300), default="")  # "三年级2班 四年级1班"
    audience: Mapped[str] = mapped_column(String(30), default="parents teachers")
    announce_from: Mapped[datetime] = mapped_column(UTCDateTime)  # not before this instant
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
