"""Fetching feeds as a good citizen: conditional GET, one request at a time per host, a timeout, a
body cap, a clear User-Agent, redirects followed by hand (each hop checked again), and no requests to
loopback, private or link-local addresses unless the settings allow them.

aiohttp (about 0.1 s and 8 MiB to import) is loaded at the first fetch: a bot whose content lists no
feeds never loads it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import ipaddress
import re
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

if TYPE_CHECKING:
    import aiohttp

USER_AGENT = "parade-bot/0.4 (news-alert bot; +https://github.com/parade-bot)"
MAX_REDIRECTS = 5


@dataclass(frozen=True, slots=True)
class Fetched:
    status: str  # "ok", "not modified" or "failed"
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    max_age: float | None = None  # Cache-Control max-age, seconds
    retry_after: float | None = None  # seconds, from a 429 or 503
    error: str | None = None
    content_type: str | None = None  # the server's, with its charset: how to decode the body


class FeedFetcher:
    """Fetches with `session`; without one, with a session of its own opened at the first fetch and
    closed by `close`."""

    def __init__(self, session: aiohttp.ClientSession | None = None, *, timeout: float = 20.0,
                 max_bytes: int = 5 * 1024 * 1024, allow_private_addresses: bool = False) -> None:
        self.session = session
        self._own_session = session is None
        self.timeout = timeout  # seconds, for the whole fetch, redirects included
        self.max_bytes = max_bytes
        self.allow_private = allow_private_addresses
        self._hosts: dict[str, asyncio.Lock] = {}

    async def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> Fetched:
        import aiohttp

        if self.session is None:
            self.session = aiohttp.ClientSession()
        session, timeout = self.session, aiohttp.ClientTimeout(total=self.timeout)
        host = urlsplit(url).hostname or ""
        async with self._hosts.setdefault(host, asyncio.Lock()):  # one request in flight per host
            try:
                return await asyncio.wait_for(self._fetch(session, timeout, url, etag, last_modified), self.timeout)
            except TimeoutError:
                return Fetched("failed", error=f"no answer within {self.timeout:g} s")
            except (aiohttp.ClientError, OSError, ValueError) as exc:
                return Fetched("failed", error=f"{exc.__class__.__name__}: {str(exc)[:150]}")

    async def close(self) -> None:
        """Closes the session the fetcher opened (one it was given is its owner's to close)."""
        if self._own_session and self.session is not None:
            await self.session.close()
            self.session = None

    async def _fetch(self, session: aiohttp.ClientSession, timeout: aiohttp.ClientTimeout, url: str,
                     etag: str | None, last_modified: str | None) -> Fetched:
        headers = {"User-Agent": USER_AGENT, "Accept": "application/rss+xml, application/atom+xml, "
                   "application/rdf+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        for _ in range(MAX_REDIRECTS + 1):
            problem = await self._refused(url)
            if problem is not None:
                return Fetched("failed", error=problem)
            async with session.get(url, headers=headers, allow_redirects=False, timeout=timeout) as resp:
                if resp.status in (301, 302, 303, 307, 308) and "Location" in resp.headers:
                    url = urljoin(url, resp.headers["Location"])
                    continue
                return await self._answer(resp)
        return Fetched("failed", error=f"more than {MAX_REDIRECTS} redirects")

    async def _answer(self, resp: aiohttp.ClientResponse) -> Fetched:
        if resp.status == 304:
            return Fetched("not modified", etag=resp.headers.get("ETag"), max_age=_max_age(resp.headers))
        if resp.status in (429, 503):
            return Fetched("failed", retry_after=_retry_after(resp.headers.get("Retry-After")),
                           error=f"HTTP {resp.status}")
        if resp.status >= 400:
            return Fetched("failed", error=f"HTTP {resp.status}")
        declared = resp.content_length
        if declared is not None and declared > self.max_bytes:
            return Fetched("failed", error=f"body of {declared:,} bytes is over the {self.max_bytes:,} limit")
        body = bytearray()
        async for chunk in resp.content.iter_chunked(64 * 1024):
            body += chunk
            if len(body) > self.max_bytes:
                return Fetched("failed", error=f"body over the {self.max_bytes:,}-byte limit")
        return Fetched("ok", bytes(body), resp.headers.get("ETag"), resp.headers.get("Last-Modified"),
                       _max_age(resp.headers), content_type=resp.headers.get("Content-Type"))

    async def _refused(self, url: str) -> str | None:
        """Why `url` may not be fetched: not http(s), or a host that resolves to a non-public address."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return f"not an http(s) URL: {url[:100]}"
        if self.allow_private:
            return None
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(parts.hostname, parts.port or 443,
                                                                 type=socket.SOCK_STREAM)
        except OSError as exc:
            return f"cannot resolve {parts.hostname}: {exc.__class__.__name__}"
        for *_, address in infos:
            ip = ipaddress.ip_address(address[0])
            if not ip.is_global or ip.is_multicast:
                return f"{parts.hostname} is a private, loopback or link-local address (feeds.allow_private_addresses)"
        return None


def _max_age(headers: aiohttp.typedefs.LooseHeaders) -> float | None:
    match = re.search(r"max-age=(\d+)", headers.get("Cache-Control", ""))  # type: ignore[union-attr]
    return float(match.group(1)) if match else None


def _retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: a number, or an HTTP date."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max((moment - dt.datetime.now(dt.UTC)).total_seconds(), 0.0)
