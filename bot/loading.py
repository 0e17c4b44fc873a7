"""Reading an event file: YAML (safe loader only) into a validated `Event`.

Every failure becomes a `ContentError` naming the file, the YAML path and the line, because the
person fixing it is an admin with a text editor, not a Python developer reading a traceback.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from bot.content import Event, Loc, reference_problems

_BaseSafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class SafeLoader(_BaseSafeLoader):  # type: ignore[misc, valid-type]
    """yaml.safe_load's loader (libyaml's build where present: about 10x faster on large files), which
    builds plain data only. A scalar that cannot be built (a date such as 2025-13-45) becomes a YAML
    error with its position instead of a bare ValueError."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> object:
        try:
            return super().construct_object(node, deep)
        except (ValueError, TypeError, OverflowError) as exc:
            raise yaml.constructor.ConstructorError(None, None, str(exc), node.start_mark) from None


class ContentError(Exception):
    """A content file that cannot be served, with where and why."""

    def __init__(self, origin: str, reason: str, *, line: int | None = None, where: str = "") -> None:
        self.origin = origin
        self.reason = reason
        self.line = line
        self.where = where
        position = f"{origin}:{line}" if line is not None else origin
        super().__init__(f"{position}: {where + ': ' if where else ''}{reason}")


def load_event(path: str | Path) -> Event:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError(str(path), f"cannot read the file ({exc.__class__.__name__})") from None
    return parse_event(text, origin=str(path))


def parse_event(text: str, *, origin: str = "<content>") -> Event:
    try:
        data = yaml.load(text, Loader=SafeLoader)  # safe: see SafeLoader above
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise ContentError(origin, f"invalid YAML: {exc.problem or exc.context}", line=line) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow: it has a position, not a mark
        line = text.count("\n", 0, exc.position) + 1
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise ContentError(origin, f"invalid YAML: character {code:#06x} is not allowed ({exc.reason})",
                           line=line) from None
    except yaml.YAMLError as exc:
        raise ContentError(origin, f"invalid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ContentError(origin, "the file must be a YAML mapping of event fields", line=1)

    try:
        event = Event.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        more = exc.error_count() - 1
        reason = first["msg"].removeprefix("Value error, ") + (f" (and {more} more)" if more else "")
        raise ContentError(origin, reason, line=_line_of(text, loc), where=_dotted(loc)) from None

    problems = reference_problems(event)
    if problems:
        loc, message = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise ContentError(origin, message + more, line=_line_of(text, loc), where=_dotted(loc))
    return event


def _dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _line_of(text: str, loc: Loc) -> int | None:
    """The 1-based line of the deepest YAML node along `loc` (the parent, for a missing key)."""
    try:
        node = yaml.compose(text, Loader=SafeLoader)  # the same parser that read the data
    except yaml.YAMLError:
        return None
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if getattr(k, "value", None) == part), None)
            if match is None:
                break
            # A key's line is where an admin looks, not the start of its (maybe block) value.
            key = next(k for k, v in node.value if v is match)
            node, line = match, key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line
