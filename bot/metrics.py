"""What an operator watches: Prometheus numbers (posts by outcome, commands and their latency, ledger
claim conflicts, feed polls, whether the database and each platform are usable) and the probes
`/healthz` (the process answers) and `/readyz` (it can do its job). Served on `metrics.port` when the
settings name one; Slack's HTTP mode serves the probes beside `/slack/events` too.

The numbers are counted here, each series a lock and a float (or a histogram's bucket counts), in every
mode. prometheus_client, about 20 ms and 4.5 MiB to import, is loaded only to write them out in its
exposition format, with its process metrics, when `/metrics` is served (or a test reads them): the
samples are the ones its own Counter, Gauge and Histogram give (`_total`, `_created`, `_bucket`, ...).
"""

from __future__ import annotations

import bisect
import functools
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # commands count into this module, and one-shot `say` and `ask` need no HTTP library
    from aiohttp import web
    from prometheus_client import CollectorRegistry
    from prometheus_client.metrics_core import Metric as Family

Kind = Literal["counter", "gauge", "histogram"]


class Series:
    """One labelled series of a metric."""

    __slots__ = ("_lock", "bounds", "counts", "created", "value")

    def __init__(self, bounds: tuple[float, ...] = ()) -> None:
        self._lock = threading.Lock()  # storage threads count too
        self.value = 0.0  # a counter's or gauge's value; a histogram's sum
        self.created = time.time()
        self.bounds = bounds  # a histogram's bucket upper bounds, +Inf last
        self.counts = [0] * len(bounds)  # observations per bucket (not cumulative)

    def inc(self, amount: float = 1.0) -> None:
        with self._lock:
            self.value += amount

    def set(self, value: float) -> None:
        with self._lock:
            self.value = float(value)

    def observe(self, amount: float) -> None:
        bucket = bisect.bisect_left(self.bounds, amount)  # the first bound at or above it: "le"
        with self._lock:
            self.value += amount
            self.counts[bucket] += 1


class Metric:
    """A metric and its series, one per combination of label values (the one series if it has no labels)."""

    def __init__(self, kind: Kind, name: str, documentation: str, labelnames: Sequence[str] = (),
                 buckets: Sequence[float] = ()) -> None:
        self.kind, self.name, self.documentation = kind, name, documentation
        self.labelnames = tuple(labelnames)
        self._bounds = (*buckets, float("inf")) if kind == "histogram" else ()
        self._lock = threading.Lock()
        self._series: dict[tuple[str, ...], Series] = {} if labelnames else {(): Series(self._bounds)}

    def labels(self, *values: str) -> Series:
        if len(values) != len(self.labelnames):
            raise ValueError(f"{self.name} takes the labels {self.labelnames}, not {values}")
        try:
            return self._series[values]
        except KeyError:
            with self._lock:
                return self._series.setdefault(values, Series(self._bounds))

    def inc(self, amount: float = 1.0) -> None:
        self.labels().inc(amount)

    def set(self, value: float) -> None:
        self.labels().set(value)

    def family(self) -> Family:
        """The metric as prometheus_client writes it out, with the samples its own metrics would give."""
        from prometheus_client.metrics_core import Metric as Family
        from prometheus_client.utils import floatToGoString

        family = Family(self.name, self.documentation, self.kind)
        with self._lock:
            series = list(self._series.items())
        for values, one in series:
            labels = dict(zip(self.labelnames, values, strict=True))
            with one._lock:
                value, counts = one.value, list(one.counts)
            if self.kind == "gauge":
                family.add_sample(self.name, labels, value)
                continue
            if self.kind == "counter":
                family.add_sample(f"{self.name}_total", labels, value)
            else:
                total = 0
                for bound, count in zip(one.bounds, counts, strict=True):
                    total += count
                    family.add_sample(f"{self.name}_bucket", {**labels, "le": floatToGoString(bound)}, total)
                family.add_sample(f"{self.name}_count", labels, total)
                family.add_sample(f"{self.name}_sum", labels, value)
            family.add_sample(f"{self.name}_created", labels, one.created)
        return family


POSTS = Metric("counter", "parade_posts",
               "Posts to channels, by platform and outcome (sent, failed, paused, gone, held)", ["platform", "outcome"])
COMMANDS = Metric("counter", "parade_commands", "Commands answered, by command and outcome (ok, error)",
                  ["command", "outcome"])
COMMAND_SECONDS = Metric("histogram", "parade_command_seconds", "Time to answer a command, by command", ["command"],
                         buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5))
CLAIM_CONFLICTS = Metric("counter", "parade_ledger_claim_conflicts",
                         "Claims lost to another process between seeing a post open and claiming it (not sent here)")
FEED_POLLS = Metric("counter", "parade_feed_polls", "Feed fetches, by outcome (ok, not_modified, failed)", ["outcome"])
STORIES = Metric("counter", "parade_feed_stories", "New stories from the feeds")
PLATFORM_STOPPED = Metric("gauge", "parade_platform_posting_stopped", "1 while the breaker holds posting on a platform",
                          ["platform"])
DATABASE_UP = Metric("gauge", "parade_database_up", "1 while the database answers")
METRICS = (POSTS, COMMANDS, COMMAND_SECONDS, CLAIM_CONFLICTS, FEED_POLLS, STORIES, PLATFORM_STOPPED, DATABASE_UP)


class _Collector:
    """These metrics, for prometheus_client's registry."""

    def collect(self) -> Iterator[Family]:
        return (metric.family() for metric in METRICS)


@functools.cache  # registered once (on the event loop: serve, or a test's reading)
def registry() -> CollectorRegistry:
    """prometheus_client's default registry (its process and Python metrics), with these in it."""
    from prometheus_client import REGISTRY

    REGISTRY.register(_Collector())
    return REGISTRY


# What stops the process doing its job now (an empty list: ready).
Readiness = Callable[[], Awaitable[list[str]]]


def add_probes(server: web.Application, readiness: Readiness) -> None:
    """`/healthz`: 200 while the event loop answers (restart the process when it does not).
    `/readyz`: 200 when storage answers and the platform is connected, else 503 with the problems
    (send it no traffic, but restarting will not help: a revoked token needs a new one)."""
    from aiohttp import web

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def readyz(request: web.Request) -> web.Response:
        problems = await readiness()
        if problems:
            return web.json_response({"status": "unready", "problems": problems}, status=503)
        return web.json_response({"status": "ready"})

    server.router.add_get("/healthz", healthz)
    server.router.add_get("/readyz", readyz)


async def serve(host: str, port: int, readiness: Readiness) -> web.AppRunner:
    """Starts `/metrics`, `/healthz` and `/readyz` on the running loop; clean up the runner to stop."""
    from aiohttp import web
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    async def exposition(request: web.Request) -> web.Response:
        return web.Response(body=generate_latest(registry()), headers={"Content-Type": CONTENT_TYPE_LATEST})

    server = web.Application()
    server.router.add_get("/metrics", exposition)
    add_probes(server, readiness)
    runner = web.AppRunner(server, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError:
        await runner.cleanup()
        raise
    return runner
