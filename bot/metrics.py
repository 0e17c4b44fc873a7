"""Numbers an operator can watch (Prometheus): posts by outcome, commands, feed polls, and whether
the database and each platform are usable. Served on `metrics.port` when the settings name one."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, start_http_server

POSTS = Counter("parade_posts", "Posts to channels, by platform and outcome (sent, failed, paused, gone, held)",
                ["platform", "outcome"])
COMMANDS = Counter("parade_commands", "Commands answered, by command and outcome (ok, error)", ["command", "outcome"])
FEED_POLLS = Counter("parade_feed_polls", "Feed fetches, by outcome (ok, not_modified, failed)", ["outcome"])
STORIES = Counter("parade_feed_stories", "New stories from the feeds")
PLATFORM_STOPPED = Gauge("parade_platform_posting_stopped", "1 while the breaker holds posting on a platform",
                         ["platform"])
DATABASE_UP = Gauge("parade_database_up", "1 while the database answers")


def serve(port: int, host: str = "127.0.0.1") -> None:
    """Serves /metrics from a thread (prometheus_client's own server), on the loopback by default."""
    start_http_server(port, addr=host)
