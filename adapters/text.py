"""Text helpers shared by the platform renderers."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable

from bot.reply import Action, Citation, Menu, Moment, Reply

log = logging.getLogger(__name__)

MARKER = "…"
# A button's id says what it runs, so it works after a restart with no state kept: the platform sends
# it back when pressed. Both platforms get the same ids.
ACTION_ID = re.compile(r"parade:run:(?P<command>[a-z][a-z-]{0,31}):(?P<page>\d{1,4}):(?P<argument>[^\s]*)")
MENU_ID = re.compile(r"parade:pick:(?P<command>[a-z][a-z-]{0,31})")
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


def localize(text: str, moments: Iterable[Moment], render: Callable[[Moment], str],
             escape: Callable[[str], str] = str) -> str:
    """`text` with each moment's words (as `escape` writes them) replaced by the platform's markup for
    it, in one pass: markup already put in is never searched again. Longer words win, so a full date
    and time is one moment, not a time of day inside it."""
    anchors: dict[str, Moment] = {}
    for moment in moments:
        anchors.setdefault(escape(moment.text), moment)
    if not anchors:
        return text
    pattern = re.compile("|".join(re.escape(a) for a in sorted(anchors, key=len, reverse=True)))
    return pattern.sub(lambda found: render(anchors[found.group()]), text)


def action_id(action: Action) -> str:
    """The id a button carries: `parade:run:COMMAND:PAGE:ARGUMENT` (the argument is an id, no spaces)."""
    return f"parade:run:{action.command}:{action.page}:{action.argument}"


def usable_actions(reply: Reply, id_max: int) -> list[tuple[Action, str]]:
    """The reply's actions with their ids, but one whose id would pass the platform's `id_max` or is not
    one of ours: that is left off (and logged), never sent broken."""
    usable = []
    for action in reply.actions:
        custom_id = action_id(action)
        if len(custom_id) > id_max or not ACTION_ID.fullmatch(custom_id):
            log.warning("left off a %r button: its id %r is too long or not valid", action.label, custom_id[:id_max])
            continue
        usable.append((action, custom_id))
    return usable


def menu_id(menu: Menu) -> str:
    return f"parade:pick:{menu.command}"


def render_text(reply: Reply) -> str:
    """A reply as plain text: the console's and the one-shot command line's rendering."""
    lines = [reply.title, "=" * len(reply.title)]
    if reply.text:
        lines.append(reply.text)
    for field in reply.fields:
        value = field.value.replace("\n", "\n    ")
        lines.append(f"{field.name}:\n    {value}" if "\n" in field.value else f"{field.name}: {value}")
    if reply.citations:
        lines.append("Sources:")
        lines += [f"  [{c.source_id}] {c}" for c in reply.citations]
    return "\n".join(lines)
