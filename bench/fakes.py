"""Loopback fakes that enforce the platforms' rate limits, served from their own process.

A fake served from a thread of the benchmark shares its GIL: when starved, it handles a queue of
requests late and stamps them as one burst, counting 429s the bot never caused.
"""

from __future__ import annotations

import multiprocessing
import sys
import time
from collections import Counter, deque
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fakeapi import FakeAPI, Recorded, Response


class DiscordLimits:
    """Discord's limits for creating messages: 50 requests/s global, 5 per 5 s per channel."""

    def __init__(self) -> None:
        self.recent: deque[float] = deque()
        self.per_channel: dict[str, deque[float]] = {}
        self.too_many = 0
        self.accepted: Counter[str] = Counter()

    def __call__(self, req: Recorded) -> Response:
        from test_discord_adapter import discord_api

        now = time.monotonic()
        if req.method == "POST" and "/messages" in req.path:
            while self.recent and self.recent[0] <= now - 1:
                self.recent.popleft()
            channel = self.per_channel.setdefault(req.path, deque())
            while channel and channel[0] <= now - 5:
                channel.popleft()
            if len(self.recent) >= 50 or len(channel) >= 5:
                self.too_many += 1
                is_global = len(self.recent) >= 50
                wait = (self.recent[0] + 1 - now) if is_global else (channel[0] + 5 - now)
                return Response(429, {"message": "You are being rate limited.", "retry_after": round(wait, 3),
                                      "global": is_global}, {"Via": "1.1 google", "Retry-After": str(int(wait) + 1)})
            self.recent.append(now)
            channel.append(now)
            self.accepted[req.path] += 1
        return discord_api(req)


class SlackLimits:
    """chat.postMessage: about 1 message a second per channel, 429 with Retry-After beyond."""

    def __init__(self) -> None:
        self.last: dict[str, float] = {}
        self.too_many = 0
        self.accepted: Counter[str] = Counter()

    def __call__(self, req: Recorded) -> Response:
        from test_slack_adapter import slack_api

        if req.path == "/api/chat.postMessage":
            now = time.monotonic()
            channel = req.json["channel"]
            if now - self.last.get(channel, -10.0) < 1:
                self.too_many += 1
                return Response(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"})
            self.last[channel] = now
            self.accepted[channel] += 1
        return slack_api(req)



class ManyFeeds:
    """`/feed/N`: an RSS 2.0 feed of 50 items about the parade, each item its own story."""

    ITEMS = 50

    def __init__(self) -> None:
        self.requests = 0

    def __call__(self, req: Recorded) -> Response:
        from email.utils import format_datetime

        self.requests += 1
        feed = int(req.path.rsplit("/", 1)[-1])
        now = time.time()
        items = "".join(
            f"<item><guid>f{feed}-{n}</guid><title>{story_title(feed * self.ITEMS + n)}</title>"
            f"<link>https://news.example/{feed}/{n}</link><description>{story_text(feed * self.ITEMS + n)}"
            f"</description><pubDate>{format_datetime(_utc(now - n * 60))}</pubDate></item>"
            for n in range(self.ITEMS))
        body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Outlet {feed}</title>{items}</channel></rss>'
        return Response(body=body, headers={"Content-Type": "application/rss+xml"})


def _utc(seconds: float) -> Any:
    import datetime as dt

    return dt.datetime.fromtimestamp(seconds, dt.UTC)


def _words(n: int, count: int) -> str:
    """Deterministic filler words: item n's own vocabulary, so that distinct items are distinct stories."""
    import random

    rng = random.Random(n)
    return " ".join("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 9)))
                    for _ in range(count))


def story_title(n: int) -> str:
    return f"Kim Jong Un {_words(n, 4)} in Beijing"


def story_text(n: int) -> str:
    return f"North Korean leader Kim Jong Un {_words(n + 10**7, 40)} at the military parade."


def _serve(kind: str, ready: Any, stop: Any, results: Any) -> None:
    if kind == "feeds":
        feeds = ManyFeeds()
        with FakeAPI(feeds) as fake:
            ready.put(fake.url)
            stop.wait()
            results.put({"requests": feeds.requests})
        return
    limits: DiscordLimits | SlackLimits = DiscordLimits() if kind == "discord" else SlackLimits()
    with FakeAPI(limits) as fake:
        ready.put(fake.url)
        stop.wait()
        results.put({"too_many": limits.too_many, "accepted": dict(limits.accepted)})


class LimitedFake:
    """A rate-limited fake platform (or, "feeds", a feed server) in a separate process; `stats()` after `stop()`."""

    def __init__(self, kind: str) -> None:
        context = multiprocessing.get_context("spawn")
        self._ready, self._results, self._stop = context.Queue(), context.Queue(), context.Event()
        self._process = context.Process(target=_serve, args=(kind, self._ready, self._stop, self._results),
                                        daemon=True)

    def __enter__(self) -> LimitedFake:
        self._process.start()
        self.url: str = self._ready.get(timeout=60)
        return self

    def stop(self) -> dict[str, Any]:
        self._stop.set()
        stats = self._results.get(timeout=60)
        self._process.join(10)
        return stats

    def __exit__(self, *exc: object) -> None:
        if self._process.is_alive():
            self._process.terminate()
