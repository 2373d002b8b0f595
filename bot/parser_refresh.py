"""Keeps the parser's catalogue dictionary in step with the catalogue (imports, new books)."""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from bot.nlp import Parser
from core import queries
from core.catalogue import catalogue_version, live_catalogue_version
from core.library import Library

log = logging.getLogger("shuxiang.parser")


class ParserRefresher:
    """Checks the catalogue counter at most every `recheck_seconds`; on a change, reloads the terms.

    The reload (jieba dictionary, about a second for a big catalogue) runs in a background thread
    so no message waits for it; messages meanwhile use the old dictionary.
    """

    def __init__(self, library: Library, parser: Parser, *, recheck_seconds: float = 30.0,
                 background: bool = True, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._library = library
        self._parser = parser
        self._recheck = recheck_seconds
        self._background = background
        self._monotonic = monotonic
        self._checked_at = monotonic()
        self._reloading = False
        with library.read_uow() as uow:
            self._version = catalogue_version(uow.session)  # the parser was built from this catalogue

    def maybe_refresh(self) -> None:
        """Cheap when nothing changed: one small query every `recheck_seconds` at most."""
        now = self._monotonic()
        if self._reloading:
            return
        if self._library.live is not None:  # the read model's counter: from memory, current at every message
            version = live_catalogue_version(self._library)
        elif now - self._checked_at < self._recheck:
            return
        else:
            with self._library.read_uow() as uow:  # may raise WouldBlock on the event loop: check again then
                version = catalogue_version(uow.session)
        self._checked_at = now
        if version == self._version:
            return
        self._reloading = True  # two messages racing here would only reload twice: harmless
        if self._background:
            threading.Thread(target=self._reload, args=(version,), daemon=True).start()
        else:
            self._reload(version)

    def _reload(self, version: int) -> None:
        try:
            self._parser.update_catalogue(*queries.catalogue_vocabulary(self._library))
            self._version = version
            log.info("parser dictionary reloaded for catalogue version %s", version)
        except Exception:
            log.exception("parser dictionary reload failed; keeping the old one")
        finally:
            self._reloading = False
