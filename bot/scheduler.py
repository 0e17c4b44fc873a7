"""A thin wrapper over APScheduler 3's AsyncIOScheduler: one job per reminder, keyed by the reminder id.

APScheduler only wakes the bot at the right moments; what gets posted, and whether it was posted
already, is decided by the delivery ledger, so restarts and several processes cannot double-post.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.delivery import DeliveryService, FanOutReport
from bot.reload import ContentDiff

log = logging.getLogger(__name__)

STALE_CLAIM_AGE = dt.timedelta(minutes=10)  # far longer than any post takes, even through 429s
RETRY_EVERY = dt.timedelta(minutes=1)  # a pass for retry-safe failures and database hiccups
RETRY_JOB = "retry-pass"


def same_moment(moment: dt.datetime) -> dt.datetime:
    return moment


class ReminderScheduler:
    def __init__(self, service: DeliveryService, *,
                 wall_time: Callable[[dt.datetime], dt.datetime] = same_moment) -> None:
        self.service = service
        self.wall_time = wall_time  # maps the service clock's moments to real time (simulations)
        self.scheduler = AsyncIOScheduler(timezone=dt.UTC)

    async def start(self) -> FanOutReport:
        """Settle interrupted claims, catch up on reminders missed while down, then schedule the rest."""
        await self.service.settle_interrupted(STALE_CLAIM_AGE)
        report = await self.service.deliver_due()
        self.reschedule()
        self.scheduler.add_job(self._retry, IntervalTrigger(seconds=RETRY_EVERY.total_seconds()), id=RETRY_JOB,
                               replace_existing=True, coalesce=True)
        self.scheduler.start()
        return report

    def reschedule(self) -> list[str]:
        """Align jobs with the current plan, one per future post (countdown reminders and news updates
        published ahead): stable ids, so this replaces rather than duplicates."""
        now = self.service.clock()
        wanted = {post.id: post for post in self.service.posts() if post.due > now}
        for job in self.scheduler.get_jobs():
            if job.id not in wanted and job.id != RETRY_JOB:
                job.remove()
        for post_id, post in wanted.items():
            self.scheduler.add_job(
                self._fire, DateTrigger(run_date=self.wall_time(post.due)), id=post_id,
                replace_existing=True, coalesce=True,
                misfire_grace_time=max(int(post.late_limit.total_seconds()), 1),
            )
        return sorted(wanted)

    async def content_reloaded(self, diff: ContentDiff) -> None:
        """After a reload: move the jobs to the new plan and post news updates that are now due."""
        jobs = self.reschedule()
        report = await self.service.deliver_due()
        log.info("after reload: jobs %s; posted %s", jobs, report)

    async def _fire(self) -> None:
        report = await self.service.deliver_due()
        log.info("reminders: %s", report)

    async def _retry(self) -> None:
        """Every minute: settle claims a stopped process left (any process may, not only at start),
        then the retry pass."""
        await self.service.settle_interrupted(STALE_CLAIM_AGE)
        await self._fire()

    def job_ids(self) -> list[str]:
        """The reminder jobs (the periodic retry pass is not one)."""
        return sorted(job.id for job in self.scheduler.get_jobs() if job.id != RETRY_JOB)

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
