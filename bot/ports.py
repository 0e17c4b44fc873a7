"""The core's outbound port: how scheduled posts and alerts leave the bot, whatever the platform.

A poster sorts every failure into one of the classes below; the delivery service acts on the class,
never on a platform's own codes (the README's "Delivery guarantees" has the table per platform).
"""

from __future__ import annotations

from typing import Protocol

from bot.reply import Reply


class DeliveryError(Exception):
    """A post failed after the platform library's own retries: a transient failure, or one that will
    not pass (a malformed request) when `retry_safe` is False and the platform answered.

    `retry_safe`: the post certainly did not happen (the platform answered with an error) or cannot
    happen twice (an idempotent platform), so a later pass may try it again. False where the outcome is
    unknown (a timeout or reset after the request left) on a platform that cannot de-duplicate, or
    where trying again cannot help (HTTP 400).
    `retry_now`: worth repeating at once on an idempotent platform (a timeout or a reset); a server
    error the library already retried waits for the next pass instead of holding a send slot.
    """

    def __init__(self, message: str, *, retry_safe: bool = False, retry_now: bool = False) -> None:
        super().__init__(message)
        self.retry_safe = retry_safe
        self.retry_now = retry_now and retry_safe


class ChannelGone(DeliveryError):
    """The channel no longer exists or was archived: the subscription ends."""


class ChannelNeedsFix(DeliveryError):
    """The channel is there but the bot may not post in it (a permission, membership): the
    subscription is paused with `fix` as the reason, and resumes once a later post succeeds. The post
    is not retried: on Discord every refused request counts toward the invalid-request ban."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message, retry_safe=False)
        self.fix = fix


class PlatformUnavailable(DeliveryError):
    """Every post on this platform would fail now (an edge block, a global rate limit): posting there
    stops for `retry_after` seconds, instead of failing channel by channel."""

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message, retry_safe=True)
        self.retry_after = retry_after


class TokenRejected(DeliveryError):
    """The platform refused the bot's token (revoked, invalid): posting on it stops until a restart,
    since every further request would count against the bot as invalid."""

    def __init__(self, message: str) -> None:
        super().__init__(message, retry_safe=True)


class Poster(Protocol):
    # True where a repeat of the same idempotency key cannot post twice, so a retry is safe.
    idempotent: bool

    async def post(self, channel_id: str, reply: Reply, *, idempotency_key: str, workspace: str = "") -> None:
        """Post `reply` into a channel. `idempotency_key` identifies this delivery: a platform that
        supports de-duplication (Discord's nonce) uses it so that a retry cannot post twice.
        `workspace` is the subscription's (a Slack team): a bot installed in many workspaces posts in
        each with that workspace's token."""
        ...
