"""Build the scheduler service for a running server: channels, deps, leader lock, config."""
from __future__ import annotations

import aiohttp

from core.clock import Clock
from core.library import Library
from core.settings import Settings
from scheduler.channels.build import build_channels
from scheduler.channels.tokens import SharedTokens
from scheduler.delivery import NoticeDelivery
from scheduler.jobs import Deps
from scheduler.lock import LeaderLock
from scheduler.service import JobsConfig, SchedulerService


async def start_scheduler(settings: Settings, library: Library, http: aiohttp.ClientSession,
                          clock: Clock) -> SchedulerService:
    """Start the jobs and the delivery loop (they run only while this process holds the leader lock)."""
    config = JobsConfig.from_table(settings.jobs, demo=settings.demo)
    channels = build_channels(settings, http, SharedTokens(library.session_factory, clock), clock)
    deps = Deps(library, settings, clock, channels, NoticeDelivery(library, settings, channels, clock))
    service = SchedulerService(deps, config, LeaderLock(library.engine, clock))
    await service.start()
    return service
