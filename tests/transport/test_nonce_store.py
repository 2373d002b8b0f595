"""The nonce store itself on SQLite and PostgreSQL: window edges, once-only, batches, purge; and the mode setting."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from core.clock import FixedClock
from core.library import Library
from core.messaging import IdempotencyStore
from core.models import IdempotencyKey
from core.replay import MAX_NONCE, PURGE_MARGIN, NonceStore
from core.settings import SettingsError, WeChatSettings, load_settings

WINDOW = timedelta(seconds=300)


@pytest.fixture
def store(library: Library, clock: FixedClock) -> NonceStore:
    return NonceStore(library.session_factory, clock, WINDOW)


def test_a_nonce_is_accepted_once_per_channel_and_only_inside_the_window(store: NonceStore,
                                                                         clock: FixedClock) -> None:
    now = clock()
    assert store.accept("wechat", "1", now - WINDOW)
    assert not store.accept("wechat", "1", now)  # seen: whatever timestamp comes with it
    assert store.accept("wecom", "1", now)  # channels are separate
    assert store.accept("wechat", "2", now + WINDOW)
    assert not store.accept("wechat", "3", now - WINDOW - timedelta(seconds=1))
    assert not store.accept("wechat", "4", now + WINDOW + timedelta(seconds=1))
    assert not store.accept("wechat", "", now) and not store.accept("wechat", "9" * (MAX_NONCE + 1), now)


def test_a_batch_accepts_each_new_pair_once(store: NonceStore, clock: FixedClock) -> None:
    now = clock()
    store.accept("wechat", "a", now)
    offers = [("wechat", "a", now, None), ("wechat", "b", now, None), ("wechat", "b", now, None), ("wecom", "a", now, None)]
    assert store.accept_many(offers) == {("wechat", "b"), ("wecom", "a")}


def test_purge_forgets_a_nonce_only_once_its_timestamp_can_never_be_accepted(store: NonceStore,
                                                                              clock: FixedClock) -> None:
    stamp = clock() + WINDOW  # the latest timestamp accepted now: it stays acceptable longest
    assert store.accept("wechat", "late", stamp)
    clock.set(stamp + WINDOW + PURGE_MARGIN)
    assert store.purge() == 0 and not store.accept("wechat", "late", stamp)
    clock.advance(seconds=1)
    assert store.purge() == 1


def test_mode_setting_and_its_environment_override() -> None:
    key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
    assert WeChatSettings().effective_mode() == "plain"
    assert WeChatSettings(aes_key=key).effective_mode() == "compat"
    env = {"SHUXIANG_WECHAT_MODE": "safe", "SHUXIANG_WECHAT_AES_KEY": key}
    assert load_settings(environ=env).wechat.effective_mode() == "safe"
    with pytest.raises(SettingsError, match="needs the EncodingAESKey"):
        load_settings(environ={"SHUXIANG_WECHAT_MODE": "safe"})
    with pytest.raises(SettingsError, match="plain, compat, safe"):
        load_settings(environ={"SHUXIANG_WECHAT_MODE": "secure"})
    with pytest.raises(SettingsError, match="callback_window_seconds must be positive"):
        load_settings(environ={"SHUXIANG_SERVER_CALLBACK_WINDOW_SECONDS": "0"})


def test_run_once_keys_are_purged_by_age_but_never_while_leased(library: Library, clock: FixedClock) -> None:
    store = IdempotencyStore(library.session_factory, clock)
    for key in ("old-1", "leased", "old-2"):
        store.claim(key)
    with library.engine.begin() as conn:
        conn.execute(update(IdempotencyKey).where(IdempotencyKey.key == "leased")
                     .values(owner="p1", lease_until=clock() + timedelta(days=5)))
    clock.advance(days=2, seconds=1)
    store.claim("fresh")
    assert store.purge(timedelta(days=2)) == 2  # old-1 and old-2; the leased one and the fresh one stay
    with library.session_factory() as session:
        assert set(session.scalars(select(IdempotencyKey.key))) == {"leased", "fresh"}


def test_a_signature_is_accepted_once_per_channel_whatever_nonce_comes_with_it(store: NonceStore,
                                                                              clock: FixedClock) -> None:
    now = clock()
    assert store.accept("wechat", "1", now, "abc")
    assert not store.accept("wechat", "2", now, "abc")  # the same signed string, cut another way
    assert store.accept("wecom", "2", now, "abc")  # channels are separate
    assert store.accept("wechat", "3", now) and store.accept("wechat", "4", now)  # no signature: nonce only
