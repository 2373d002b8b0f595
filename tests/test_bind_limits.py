"""The binding limits are exact when 100 attempts arrive at once, on SQLite files and PostgreSQL."""
from __future__ import annotations

import threading
from collections import Counter

from sqlalchemy import func, select

from core import accounts
from core.accounts import BindingAttempt, BindRefused
from core.clock import FixedClock
from core.library import Library
from core.models import ReaderType
from tests.factories import add_reader

ATTEMPTS = 100


def _storm(lib: Library, users: list[str], card: str, code: str) -> Counter[str]:
    """Start every bind at the same instant; count the outcomes ('bound', 'no_match', 'rate_limited')."""
    barrier = threading.Barrier(len(users))
    outcomes: list[str] = [""] * len(users)

    def attempt(index: int, user: str) -> None:
        barrier.wait()
        try:
            accounts.bind(lib, user, card, "张静", code)
            outcomes[index] = "bound"
        except BindRefused as refusal:
            outcomes[index] = refusal.failure.value

    threads = [threading.Thread(target=attempt, args=(i, u)) for i, u in enumerate(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return Counter(outcomes)


def _failures(lib: Library) -> int:
    with lib.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(BindingAttempt)
                                  .where(BindingAttempt.ok.is_(False))) or 0


def test_one_user_firing_100_guesses_at_once_gets_exactly_its_limit_checked(library: Library) -> None:
    add_reader(library, "张静", ReaderType.TEACHER, card_no="T0001")
    accounts.issue_code(library, "T0001", code="424242")
    outcomes = _storm(library, ["wx-bot"] * ATTEMPTS, "T0001", "000000")
    assert outcomes == {"no_match": accounts.MAX_FAILURES_PER_USER,
                        "rate_limited": ATTEMPTS - accounts.MAX_FAILURES_PER_USER}
    assert _failures(library) == accounts.MAX_FAILURES_PER_USER


def test_100_users_guessing_one_card_at_once_get_exactly_the_cards_limit_checked(library: Library,
                                                                                  clock: FixedClock) -> None:
    add_reader(library, "张静", ReaderType.TEACHER, card_no="T0001")
    accounts.issue_code(library, "T0001", code="424242")
    clock.advance(seconds=1)  # failures count against the card from its newest code on
    outcomes = _storm(library, [f"wx-{n}" for n in range(ATTEMPTS)], "T0001", "000000")
    assert outcomes == {"no_match": accounts.CARD_LOCK_USERS, "rate_limited": ATTEMPTS - accounts.CARD_LOCK_USERS}
    assert _failures(library) == accounts.CARD_LOCK_USERS


def _guess(lib: Library, user: str, card: str, code: str = "000000") -> str:
    try:
        accounts.bind(lib, user, card, "张静", code)
        return "bound"
    except BindRefused as refusal:
        return refusal.failure.value


def test_nine_strangers_guessing_to_their_limit_leave_the_owners_first_try_alone(library: Library,
                                                                                  clock: FixedClock) -> None:
    add_reader(library, "张静", ReaderType.TEACHER, card_no="T0001")
    code = accounts.issue_code(library, "T0001", code="424242")
    clock.advance(seconds=1)
    for n in range(accounts.CARD_LOCK_USERS - 1):
        outcomes = [_guess(library, f"wx-s{n}", "T0001") for _ in range(accounts.MAX_FAILURES_PER_USER + 3)]
        assert outcomes.count("no_match") == accounts.MAX_FAILURES_PER_USER
        assert _guess(library, f"wx-s{n}", "T0001", code) == "rate_limited"  # the right code, too late
    assert _guess(library, "wx-owner", "T0001", code) == "bound"


def test_a_card_locked_by_many_strangers_opens_again_after_an_hour(library: Library, clock: FixedClock) -> None:
    add_reader(library, "张静", ReaderType.TEACHER, card_no="T0001")
    code = accounts.issue_code(library, "T0001", code="424242")
    clock.advance(seconds=1)
    for n in range(accounts.CARD_LOCK_USERS):
        assert _guess(library, f"wx-s{n}", "T0001") == "no_match"
    assert _guess(library, "wx-owner", "T0001", code) == "rate_limited"
    clock.advance(minutes=59)
    assert _guess(library, "wx-owner", "T0001", code) == "rate_limited"
    clock.advance(minutes=1, seconds=1)
    assert _guess(library, "wx-owner", "T0001", code) == "bound"
