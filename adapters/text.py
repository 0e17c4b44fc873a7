"""Text helpers shared by the platform renderers."""

from __future__ import annotations

from bot.reply import Citation

MARKER = "…"


def clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, with a visible marker where it was cut."""
    return text if len(text) <= limit else text[: max(limit - len(MARKER), 0)] + MARKER


def sources_line(citations: tuple[Citation, ...]) -> str:
    return "Sources: " + "; ".join(f"[{c.source_id}] {c}" for c in citations)
