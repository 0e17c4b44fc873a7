"""The core's outbound port: how scheduled posts and alerts leave the bot, whatever the platform."""

from __future__ import annotations

from typing import Protocol

from bot.reply import Reply


class DeliveryError(Exception):
    """A post failed after the platform library's own retries.

    `retry_safe`: the post certainly did not happen (the platform answered with an error) or cannot
    happen twice (an idempotent platform), so it may be tried again later. False where the outcome is
    unknown (a timeout or reset after the request left) on a platform that cannot de-duplicate.
    """

    def __init__(self, message: str, *, retry_safe: bool = False) -> None:
        super().__init__(message)
        self.retry_safe = retry_safe


class ChannelGone(DeliveryError):
    """The channel no longer exists or the bot lost access (HTTP 404/403): stop posting there."""

    def __init__(self, message: str) -> None:
        super().__init__(message, retry_safe=False)


class Poster(Protocol):
    # True where a repeat of the same idempotency key cannot post twice, so a retry is safe.
    idempotent: bool

    async def post(self, channel_id: str, reply: Reply, *, idempotency_key: str) -> None:
        """Post `reply` into a channel. `idempotency_key` identifies this delivery: a platform that
        supports de-duplication (Discord's nonce) uses it so that a retry cannot post twice."""
        ...
