"""Reading an event file: YAML (safe loader only) into a validated `Event`.

Every failure becomes a `ContentError` naming the file, the YAML path and the line, because the
person fixing it is an admin with a text editor, not a Python developer reading a traceback.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from bot.content import Event, Loc, reference_problems

_BaseSafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, slots=True)
class ContentLimits:
    """What a content file may cost before it is parsed (settings `content_limits`). The defaults hold
    the seed many times over and a 10,000-fact event (3.8 MB, 222,000 YAML nodes, depth 6)."""

    max_bytes: int = 10 * 1024 * 1024
    max_nodes: int = 2_000_000  # YAML nodes, each alias counted as the nodes it repeats
    max_depth: int = 64  # nested mappings and lists

    def __post_init__(self) -> None:
        for name in ("max_bytes", "max_nodes", "max_depth"):
            if getattr(self, name) < 1:
                raise ValueError(f"content_limits.{name} must be at least 1")


class SafeLoader(_BaseSafeLoader):  # type: ignore[misc, valid-type]
    """yaml.safe_load's loader (libyaml's build where present: about 10x faster on large files), which
    builds plain data only. A scalar that cannot be built (a date such as 2025-13-45) becomes a YAML
    error with its position instead of a bare ValueError; a key given twice in one mapping is an error
    (YAML says keys are unique; PyYAML would keep the last silently)."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> object:
        try:
            return super().construct_object(node, deep)
        except (ValueError, TypeError, OverflowError) as exc:
            raise yaml.constructor.ConstructorError(None, None, str(exc), node.start_mark) from None

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[object, object]:
        seen: set[str] = set()
        for key, _ in node.value:
            if isinstance(key, yaml.ScalarNode):
                if key.value in seen:
                    raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key.value!r}",
                                                            key.start_mark)
                seen.add(key.value)
        return super().construct_mapping(node, deep)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's collector paused while something makes many objects and no garbage. Building a large
    file's node tree makes hundreds of thousands, which the collector would walk again and again (two
    thirds of a 10,000-fact load; its size is bounded by `max_nodes`); so does a start (adapters/cli.py)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def check_shape(text: str, limits: ContentLimits) -> None:
    """Depth and size from libyaml's event stream, before anything is composed: composing nests one C
    call per level (25,000 levels crash the process) and expands aliases (a few KB can stand for
    billions of nodes). Raises yaml.MarkedYAMLError, as the parser would."""
    nodes = 0
    open_nodes: list[tuple[str | None, int]] = []  # (anchor, node count at its start) per open collection
    sizes: dict[str, int] = {}  # anchor -> nodes it stands for
    for event in yaml.parse(text, Loader=SafeLoader):
        if isinstance(event, yaml.AliasEvent):
            nodes += sizes.get(event.anchor or "", 1)
        elif isinstance(event, yaml.ScalarEvent):
            nodes += 1
            if event.anchor:
                sizes[event.anchor] = 1
        elif isinstance(event, yaml.CollectionStartEvent):
            nodes += 1
            open_nodes.append((event.anchor, nodes))
            if len(open_nodes) > limits.max_depth:
                raise yaml.MarkedYAMLError(problem=f"nested more than {limits.max_depth} levels deep "
                                           "(content_limits.max_depth)", problem_mark=event.start_mark)
        elif isinstance(event, yaml.CollectionEndEvent):
            anchor, began = open_nodes.pop()
            if anchor:
                sizes[anchor] = nodes - began + 1
        else:
            continue
        if nodes > limits.max_nodes:
            raise yaml.MarkedYAMLError(problem=f"more than {limits.max_nodes:,} YAML nodes, aliases expanded "
                                       "(content_limits.max_nodes)", problem_mark=event.start_mark)


class ContentError(Exception):
    """A content file that cannot be served, with where and why."""

    def __init__(self, origin: str, reason: str, *, line: int | None = None, where: str = "") -> None:
        self.origin = origin
        self.reason = reason
        self.line = line
        self.where = where
        position = f"{origin}:{line}" if line is not None else origin
        super().__init__(f"{position}: {where + ': ' if where else ''}{reason}")


def read_content(path: str | Path, limits: ContentLimits = ContentLimits()) -> str:
    """The file's text, refusing one over `limits.max_bytes` before reading it."""
    path = Path(path)
    try:
        with path.open("rb") as file:
            raw = file.read(limits.max_bytes + 1)
        if len(raw) > limits.max_bytes:
            raise ContentError(str(path), f"the file is over {limits.max_bytes:,} bytes (content_limits.max_bytes)")
        return raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError(str(path), f"cannot read the file ({exc.__class__.__name__})") from None


def load_event(path: str | Path, limits: ContentLimits = ContentLimits()) -> Event:
    return parse_event(read_content(path, limits), origin=str(path), limits=limits)


def parse_event(text: str, *, origin: str = "<content>", limits: ContentLimits = ContentLimits()) -> Event:
    """A validated Event, or ContentError (the first problem, with how many more there are). Nothing in
    `text` can crash the process or run code."""
    event, problems = check_event(text, origin=origin, limits=limits)
    if problems:
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise ContentError(origin, first.reason + more, line=first.line, where=first.where)
    assert event is not None
    return event


def check_event(text: str, *, origin: str = "<content>",
                limits: ContentLimits = ContentLimits()) -> tuple[Event | None, list[ContentError]]:
    """The event and every problem found: all schema and reference problems, each with its line (a
    YAML error stops the reading, so it is the only one)."""
    if len(text) > limits.max_bytes:
        return None, [ContentError(origin, f"the content is over {limits.max_bytes:,} characters "
                                   "(content_limits.max_bytes)")]
    try:
        data = _read_yaml(text, origin, limits)
    except ContentError as exc:
        return None, [exc]
    if not isinstance(data, dict):
        return None, [ContentError(origin, "the file must be a YAML mapping of event fields", line=1)]
    try:
        with collector_paused():
            event = Event.model_validate(data, context={"shared": {}})  # equal values as one object: see content
    except ValidationError as exc:
        found = [(tuple(error["loc"]), error["msg"].removeprefix("Value error, ")) for error in exc.errors()]
        return None, _located(text, origin, found)
    problems = _located(text, origin, reference_problems(event))
    return (None if problems else event), problems


LOCATED_PROBLEMS = 100  # the first this many get their line; the rest their field only


def _located(text: str, origin: str, found: list[tuple[Loc, str]]) -> list[ContentError]:
    """Problems with their lines, the file composed once for all of them."""
    node = _composed(text) if found else None
    return [ContentError(origin, message, line=_line_of(text, loc, node) if n < LOCATED_PROBLEMS else None,
                         where=_dotted(loc)) for n, (loc, message) in enumerate(found)]


def _read_yaml(text: str, origin: str, limits: ContentLimits) -> object:
    try:
        check_shape(text, limits)
        with collector_paused():
            return yaml.load(text, Loader=SafeLoader)  # safe: see SafeLoader above
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
    except (RecursionError, MemoryError) as exc:  # past the limits' intent all the same: refuse, never crash
        raise ContentError(origin, f"the content is too large or too deep to load ({exc.__class__.__name__})") from None


def _dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _line_of(text: str, loc: Loc, node: yaml.Node | None = None) -> int | None:
    """The 1-based line of the deepest YAML node along `loc` (the parent, for a missing key). Give the
    composed `node` when asking for many locations: composing the file is the costly part."""
    if node is None:
        node = _composed(text)
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


def _composed(text: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=SafeLoader)  # the same parser that read the data
    except yaml.YAMLError:
        return None
