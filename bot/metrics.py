"""What an operator watches: Prometheus numbers (posts by outcome, commands and their latency, ledger
claim conflicts, feed polls, whether the database and each platform are usable) and the probes
`/healthz` (the process answers) and `/readyz` (it can do its job). Served on `metrics.port` when the
settings name one; Slack's HTTP mode serves the probes beside `/slack/events` too."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

POSTS = Counter("parade_posts", "Posts to channels, by platform and outcome (sent, failed, paused, gone, held)",
                ["platform", "outcome"])
COMMANDS = Counter("parade_commands", "Commands answered, by command and outcome (ok, error)", ["command", "outcome"])
COMMAND_SECONDS = Histogram("parade_command_seconds", "Time to answer a command, by command", ["command"],
                            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5))
CLAIM_CONFLICTS = Counter("parade_ledger_claim_conflicts",
                          "Claims lost to another process between seeing a post open and claiming it (not sent here)")
FEED_POLLS = Counter("parade_feed_polls", "Feed fetches, by outcome (ok, not_modified, failed)", ["outcome"])
STORIES = Counter("parade_feed_stories", "New stories from the feeds")
PLATFORM_STOPPED = Gauge("parade_platform_posting_stopped", "1 while the breaker holds posting on a platform",
                         ["platform"])
DATABASE_UP = Gauge("parade_database_up", "1 while the database answers")

if TYPE_CHECKING:  # commands count into this module, and one-shot `say` and `ask` need no HTTP library
    from aiohttp import web

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

    async def exposition(request: web.Request) -> web.Response:
        return web.Response(body=generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST})

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
