"""The core's outbound port: how scheduled posts and alerts leave the bot, whatever the platform."""

from __future__ import annotations

from typing import Protocol

from bot.reply import Reply


class DeliveryError(Exception):
    """A post failed after the platform library's own retries; it may be tried again later."""


class ChannelGone(DeliveryError):
    """The channel no longer exists or the bot lost access (HTTP 404/403): stop posting there."""


class Poster(Protocol):
    # True where a repeat of the same idempotency key cannot post twice, so a retry is safe.
    idempotent: bool

    async def post(self, channel_id: str, reply: Reply, *, idempotency_key: str) -> None:
        """Post `reply` into a channel. `idempotency_key` identifies this delivery: a platform that
        supports de-duplication (Discord's nonce) uses it so that a retry cannot post twice."""
        ...
