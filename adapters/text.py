"""Text helpers shared by the platform renderers."""

from __future__ import annotations

import re

from bot.reply import Citation

MARKER = "…"
_OPEN_ENTITY = re.compile(r"&[#a-zA-Z0-9]{0,8}$")  # an entity begun at the very end, not yet closed by ";"


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, with a visible marker where it was cut. The cut never
    falls inside an HTML-style entity ("&amp;"), which Slack would then show half-written."""
    if len(text) <= limit:
        return text
    kept = text[: max(limit - len(MARKER), 0)]
    partial = _OPEN_ENTITY.search(kept)
    return (kept[: partial.start()] if partial else kept) + MARKER


def sources_line(citations: tuple[Citation, ...]) -> str:
    return "Sources: " + "; ".join(f"[{c.source_id}] {c}" for c in citations)
