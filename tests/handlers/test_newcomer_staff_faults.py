"""Newcomer faults in the librarian's requests (issue 14): 全校逾期 paging, 损坏/丢失 twice, at the handler level."""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from bot.messages import IncomingMessage
from bot.nlp import Parser
from bot.router import Router
from core.circulation import CheckoutItem, checkout
from core.clock import FixedClock
from core.library import Library
from core.models import AuditEntry, Charge
from core.search import CatalogueSearch
from tests.factories import add_term, add_title
from tests.handlers.staff_school import LIBRARIAN, SETTINGS, School, build_school


@pytest.fixture
def school(library: Library) -> School:
    add_term(library)
    return build_school(library)


@pytest.fixture
def ask(library: Library, parser: Parser, school: School) -> Any:
    router = Router(library, parser, CatalogueSearch(library.session_factory, background=False), settings=SETTINGS)

    def send(user_id: str, text: str) -> str:
        return router.handle(IncomingMessage("wechat", user_id, "text", text))
    return send


def _count(library: Library, model: Any, *where: Any) -> int:
    with library.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


# 9. 全校逾期 with more than one reply holds: 更多 continues it.
def test_school_overdue_is_pageable(library: Library, ask: Any, clock: FixedClock) -> None:
    for n in range(10):
        _, copies = add_title(library, f"逾期书{n}", copies=1)
        checkout(library, CheckoutItem(("S30212", "S30101", "S40101", "T0001", "T0002")[n % 5], copies[0]))
    clock.advance(days=70)
    first = ask(LIBRARIAN, "全校逾期")
    assert "全校逾期未还：6人，12本。" in first and "另有7本" in first and "更多" in first
    second = ask(LIBRARIAN, "更多")
    assert "没有可以往下翻的列表" not in second
    assert "第6–12本，共12本" in second and second.count("· ") == 7 and "另有" not in second
    firsts = {line for line in first.splitlines() if line.startswith("· ")}
    assert not firsts & {line for line in second.splitlines() if line.startswith("· ")}


# 10. 损坏 twice records once; 丢失 on a copy nobody borrowed mentions no compensation.
def test_damage_on_a_copy_already_in_repair_is_not_recorded_again(library: Library, ask: Any) -> None:
    assert "已登记《草房子》损坏" in ask(LIBRARIAN, "损坏 10000003")
    again = ask(LIBRARIAN, "损坏 10000003 5元")
    assert "已登记损坏、正在修补" in again and "没有再登记" in again and "没有收费" in again
    assert _count(library, AuditEntry, AuditEntry.action == "damaged") == 1
    assert _count(library, Charge) == 0


def test_losing_a_copy_nobody_borrowed_mentions_no_compensation(library: Library, ask: Any,
                                                                school: School) -> None:
    reply = ask(LIBRARIAN, f"丢失 {school.xiaowangzi}")
    assert "已登记《小王子》丢失" in reply and "赔偿" not in reply and "0.00" not in reply
    again = ask(LIBRARIAN, f"丢失 {school.xiaowangzi}")
    assert "已登记丢失" in again and "没有再登记" in again
    lent = ask(LIBRARIAN, f"丢失 {school.santi}")
    assert "王小明（S30211）需赔偿25.00元" in lent
