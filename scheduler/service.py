"""APScheduler 3 wiring: cron jobs in Asia/Shanghai, a delivery loop, and the leader lock around both."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from core.clock import SCHOOL_TZ
from core.settings import SettingsError
from scheduler.jobs import DEFAULT_CRON, JOBS, Deps
from scheduler.lock import LeaderLock

log = logging.getLogger("shuxiang.scheduler")

STOP_TIMEOUT = 30.0  # seconds a clean stop waits for the delivery call in flight
_SERVICES: dict[str, SchedulerService] = {}  # jobs carry only (service id, job name): picklable


@dataclass(frozen=True)
class JobsConfig:
    """The [jobs] table: enabled, cron per job, delivery interval, the demo's tick."""

    enabled: bool
    crons: dict[str, str]
    delivery_interval: float
    demo_tick: float | None  # run every job every N real seconds (the demo's fast clock)

    @classmethod
    def from_table(cls, table: dict[str, Any], *, demo: bool = False) -> JobsConfig:
        table = dict(table)
        enabled = bool(table.pop("enabled", True))
        interval = float(table.pop("delivery_interval_seconds", 5.0))
        tick = table.pop("demo_tick_seconds", 20.0 if demo else None)
        crons = dict(DEFAULT_CRON)
        for name, value in table.items():
            if name not in JOBS:
                raise SettingsError(f"unknown setting [jobs] {name} (jobs: {', '.join(JOBS)})")
            try:
                CronTrigger.from_crontab(str(value), timezone=SCHOOL_TZ)
            except ValueError as exc:
                raise SettingsError(f"[jobs] {name}: bad cron {value!r}: {exc}") from None
            crons[name] = str(value)
        return cls(enabled, crons, interval, float(tick) if tick else None)


async def fire(service_id: str, job: str) -> None:
    """The APScheduler entry point: look the service up by id, run the job if this process leads."""
    service = _SERVICES.get(service_id)
    if service is not None:
        await service.run_job(job)


class SchedulerService:
    """Starts and stops with the server (cleanup_ctx); only the lock holder runs jobs and delivers."""

    def __init__(self, deps: Deps, config: JobsConfig, lock: LeaderLock) -> None:
        self.deps = deps
        self.config = config
        self.lock = lock
        self.id = uuid.uuid4().hex
        self._scheduler: AsyncIOScheduler | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._wake = asyncio.Event()
        self._closing = False
        self._deliverer: asyncio.Task[None] | None = None
        deps.wake = self._wake.set

    async def leading(self) -> bool:
        try:
            return await asyncio.to_thread(self.lock.acquire)
        except Exception:
            log.exception("leader lock check failed")
            return False

    async def run_job(self, job: str) -> None:
        """One job at the injected clock's now, with one error path (logged, the loop goes on)."""
        if not await self.leading():
            log.info("job %s skipped: another process runs the scheduler", job)
            return
        try:
            await JOBS[job](self.deps, self.deps.clock())
        except Exception:
            log.exception("job %s failed", job)

    async def _deliver_loop(self) -> None:
        """Deliver while leading; on becoming leader, take over the dead leader's claims first."""
        delivery = self.deps.delivery
        was_leading = False
        while not self._closing:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.config.delivery_interval)
            self._wake.clear()
            if delivery is None or self._closing:
                continue
            try:
                for _ in range(50):  # rounds until nothing is due, leadership checked before each
                    leading = await self.leading()
                    if leading and not was_leading:
                        await delivery.takeover()
                    was_leading = leading
                    if not leading or self._closing or (await delivery.run_once()).moved == 0:
                        break
            except Exception:
                log.exception("delivery round failed")

    async def _demo_loop(self, tick: float) -> None:
        while True:
            for job in JOBS:
                await self.run_job(job)
            await asyncio.sleep(tick)

    async def start(self) -> None:
        if not self.config.enabled:
            log.info("scheduler disabled ([jobs] enabled = false)")
            return
        _SERVICES[self.id] = self
        scheduler = AsyncIOScheduler(timezone=SCHOOL_TZ)
        for job, cron in self.config.crons.items():
            scheduler.add_job(fire, CronTrigger.from_crontab(cron, timezone=SCHOOL_TZ), args=[self.id, job], id=job,
                              coalesce=True, max_instances=1, misfire_grace_time=3600, replace_existing=True)
        scheduler.start()
        self._scheduler = scheduler
        self._deliverer = asyncio.create_task(self._deliver_loop())
        if self.config.demo_tick:
            self._tasks.append(asyncio.create_task(self._demo_loop(self.config.demo_tick)))
        log.info("scheduler started (Asia/Shanghai): %s", ", ".join(f"{j}={c}" for j, c in self.config.crons.items()))

    async def stop(self) -> None:
        """A clean stop: jobs cancelled; delivery finishes its call in flight, records it, gives the rest back.

        Only then is the leader lock released, so the next leader never meets a call still in flight here.
        """
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        if self._deliverer is not None:
            self._closing = True
            if self.deps.delivery is not None:
                self.deps.delivery.stop()
            self._wake.set()
            try:  # a call in flight ends within the HTTP timeout (10 s); never cut it off mid-way
                await asyncio.wait_for(asyncio.shield(self._deliverer), STOP_TIMEOUT)
            except TimeoutError:
                log.error("delivery did not stop within %s s: cancelled (its call in flight stays in doubt)",
                          STOP_TIMEOUT)
                self._deliverer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._deliverer
            self._deliverer = None
        _SERVICES.pop(self.id, None)
        await asyncio.to_thread(self.lock.release)
