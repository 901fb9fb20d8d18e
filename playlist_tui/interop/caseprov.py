"""CASE provenance: what a CASE package had beyond the framework's own fields, kept compact.

``import case`` keeps the publisher's package in the framework file so that ``export case``
can give it back exactly (docs/formats.md, "CASE provenance"):

- each competency's ``case`` holds its CFItem without the ``identifier`` (that is
  ``source_id``) and without the values that can be worked out again: ``fullStatement``
  when it is the ``statement``, ``abbreviatedStatement`` when it is the ``name``,
  ``humanCodingScheme`` when it is the ``id``, a ``uri`` that follows one of the package's
  URI patterns, the ``CFDocumentURI`` and ``lastChangeDateTime`` that most objects share.
  ``"="`` lists what was left out that way, and ``"#"`` is a digest of the item as the
  publisher wrote it: when the item rebuilt from the file has another digest, the
  competency was changed here;
- ``[case]`` holds the ``CFDocument`` (as it was), the shared values (``common``), the
  other parts of the package (``package``: ``CFDefinitions``, ``CFRubrics``, ...), the
  items that did not become competencies (``items``), and every association, each
  compacted the same way (node links that follow a URI pattern become
  ``[identifier, pattern, title]`` under ``"<"`` and ``">"``).

Every text is canonical JSON (sorted keys, no spaces), so the same package always gives the
same file, and a package that round-trips gives no change. Objects that use the marker
keys themselves are kept whole under ``"!"``.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from playlist_tui.store import tomltext

MAX_PATTERNS = 8
_MARKERS = ("=", "#", "<", ">", "!")
_CONTROL = {chr(c) for c in range(0x20) if c != 0x09} | {"\x7f"}


def canonical(value: Any) -> str:
    """The one JSON text of ``value``: sorted keys, no spaces, UTF-8 kept."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False)


def digest(value: Any) -> str:
    return hashlib.sha256(canonical(value).encode("utf-8")).hexdigest()[:12]


def toml_string(text: str) -> str:
    """``text`` as a TOML literal string when it can be one (JSON reads better without
    escaped quotes), else as a basic string."""
    if "'" in text or any(c in _CONTROL for c in text):
        return tomltext.format_value(text)
    return f"'{text}'"


# --------------------------------------------------------------------------- shared values


@dataclass(frozen=True)
class Common:
    """Values most objects of a package share, and its URI patterns (``{}``: identifier)."""

    values: Mapping[str, Any] = field(default_factory=dict)  # "d": CFDocumentURI, "t": time
    uris: tuple[str, ...] = ()

    def text(self) -> str:
        data: dict[str, Any] = dict(self.values)
        if self.uris:
            data["u"] = list(self.uris)
        return canonical(data)

    @staticmethod
    def parse(text: str) -> Common:
        data = _loads(text)
        if not isinstance(data, dict):
            return Common()
        uris = data.get("u")
        patterns = tuple(u for u in uris if isinstance(u, str) and u.count("{}") == 1) \
            if isinstance(uris, list) else ()
        return Common({k: v for k, v in data.items() if k in ("d", "t")}, patterns)

    def uri_code(self, identifier: Any, uri: Any) -> str | None:
        if not isinstance(identifier, str) or not isinstance(uri, str) or not identifier:
            return None
        for k, pattern in enumerate(self.uris):
            if pattern.replace("{}", identifier) == uri:
                return str(k)
        return None

    def uri(self, identifier: str, code: str) -> str | None:
        try:
            return self.uris[int(code)].replace("{}", identifier)
        except (ValueError, IndexError):
            return None


_SHARED = {"d": "CFDocumentURI", "t": "lastChangeDateTime"}


def learn(objects: Iterable[Any]) -> Common:
    """The shared values and URI patterns of the package's items and associations."""
    counts: dict[str, Counter[str]] = {k: Counter() for k in _SHARED}
    patterns: Counter[str] = Counter()

    def pattern(identifier: Any, uri: Any) -> None:
        if isinstance(identifier, str) and identifier and isinstance(uri, str) \
                and uri.count(identifier) == 1:
            candidate = uri.replace(identifier, "{}")
            if candidate.count("{}") == 1:
                patterns[candidate] += 1

    for obj in objects:
        if not isinstance(obj, dict):
            continue
        for code, key in _SHARED.items():
            if key in obj:
                counts[code][canonical(obj[key])] += 1
        pattern(obj.get("identifier"), obj.get("uri"))
        for end in ("originNodeURI", "destinationNodeURI"):
            node = obj.get(end)
            if isinstance(node, dict):
                pattern(node.get("identifier"), node.get("uri"))
    values: dict[str, Any] = {}
    for code, counter in counts.items():
        best = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
        if best and best[0][1] > 1:
            values[code] = json.loads(best[0][0])
    chosen = sorted(patterns.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_PATTERNS]
    return Common(values, tuple(p for p, n in chosen if n > 1))


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return None


def _uses_markers(obj: Mapping[str, Any]) -> bool:
    return any(k in obj for k in _MARKERS)


def _pack_shared(obj: dict[str, Any], out: dict[str, Any], marks: list[str],
                 common: Common) -> None:
    for code, key in _SHARED.items():
        if key in out and code in common.values and out[key] == common.values[code] \
                and canonical(out[key]) == canonical(common.values[code]):
            del out[key]
            marks.append(code)
    pattern = common.uri_code(obj.get("identifier"), obj.get("uri"))
    if pattern is not None and "uri" in out:
        del out["uri"]
        marks.append("u" + pattern)


def _unpack_shared(out: dict[str, Any], marks: list[Any], identifier: Any,
                   common: Common) -> bool:
    for mark in marks:
        if not isinstance(mark, str):
            return False
        if mark in _SHARED:
            if mark not in common.values:
                return False
            out[_SHARED[mark]] = common.values[mark]
        elif mark.startswith("u"):
            uri = common.uri(identifier, mark[1:]) if isinstance(identifier, str) else None
            if uri is None:
                return False
            out["uri"] = uri
    return True


# --------------------------------------------------------------------------- items

_FROM_COMPETENCY = {"s": "fullStatement", "n": "abbreviatedStatement", "c": "humanCodingScheme"}


def pack_item(raw: dict[str, Any], *, statement: str, name: str | None, cid: str,
              common: Common) -> str:
    """The compact text of a CFItem that became the competency (cid, statement, name)."""
    if _uses_markers(raw):
        return canonical({"!": raw})
    out = {k: v for k, v in raw.items() if k != "identifier"}
    marks: list[str] = []
    for code, key, value in (("s", "fullStatement", statement), ("n", "abbreviatedStatement",
                                                                 name), ("c",
                                                                         "humanCodingScheme",
                                                                         cid)):
        if value is not None and out.get(key) == value and isinstance(out.get(key), str):
            del out[key]
            marks.append(code)
    _pack_shared(raw, out, marks, common)
    if marks:
        out["="] = marks
    out["#"] = digest(raw)
    return canonical(out)


@dataclass(frozen=True)
class Rebuilt:
    item: dict[str, Any]
    unchanged: bool


def unpack_item(text: str, *, identifier: str, statement: str, name: str | None, cid: str,
                common: Common) -> Rebuilt | None:
    """The CFItem rebuilt from a competency and its ``case`` text (None: not readable), and
    whether it is the publisher's item as it was (its digest matches; the caller also checks
    that the competency's statement and name are what an import of it gives)."""
    data = _loads(text)
    if not isinstance(data, dict):
        return None
    if "!" in data:
        raw = data["!"]
        if not isinstance(raw, dict) or raw.get("identifier") != identifier:
            return None
        return Rebuilt(raw, True)
    marks = data.pop("=", [])
    stamp = data.pop("#", None)
    if not isinstance(marks, list):
        return None
    item: dict[str, Any] = {"identifier": identifier, **data}
    values = {"s": statement, "n": name, "c": cid}
    for mark in marks:
        if mark in _FROM_COMPETENCY:
            value = values[mark]
            if value is None:
                return None
            item[_FROM_COMPETENCY[mark]] = value
    if not _unpack_shared(item, [m for m in marks if m not in _FROM_COMPETENCY], identifier,
                          common):
        return None
    return Rebuilt(item, stamp == digest(item))


# --------------------------------------------------------------------------- associations


def _pack_node(node: Any, common: Common) -> list[Any] | None:
    if not isinstance(node, dict) or not set(node) <= {"identifier", "uri", "title"} \
            or not {"identifier", "uri"} <= set(node):
        return None
    code = common.uri_code(node["identifier"], node["uri"])
    if code is None:
        return None
    return [node["identifier"], int(code), *([node["title"]] if "title" in node else [])]


def _unpack_node(packed: Any, common: Common) -> dict[str, Any] | None:
    if not isinstance(packed, list) or len(packed) not in (2, 3) \
            or not isinstance(packed[0], str) or not isinstance(packed[1], int):
        return None
    uri = common.uri(packed[0], str(packed[1]))
    if uri is None:
        return None
    node: dict[str, Any] = {"identifier": packed[0], "uri": uri}
    if len(packed) == 3:
        node["title"] = packed[2]
    return node


def pack_association(raw: Any, common: Common, item_ends: tuple[bool, bool] = (False, False)
                     ) -> str:
    """The compact text of an association; ``item_ends``: whether its origin and its
    destination are items of the package (marked ``oi`` and ``di``, so that an export can
    tell an item removed here from a node outside the package)."""
    if not isinstance(raw, dict) or _uses_markers(raw):
        ends = [m for m, on in zip(("oi", "di"), item_ends, strict=True) if on]
        return canonical({"!": raw, **({"=": ends} if ends else {})})
    out = dict(raw)
    marks: list[str] = [m for m, on in zip(("oi", "di"), item_ends, strict=True) if on]
    _pack_shared(raw, out, marks, common)
    for key, end in (("<", "originNodeURI"), (">", "destinationNodeURI")):
        packed = _pack_node(raw.get(end), common)
        if packed is not None:
            del out[end]
            out[key] = packed
    if marks:
        out["="] = marks
    return canonical(out)


def item_ends(text: str) -> tuple[bool, bool]:
    """Whether the association's origin and destination were items of the package."""
    data = _loads(text)
    marks = data.get("=") if isinstance(data, dict) else None
    if not isinstance(marks, list):
        return False, False
    return "oi" in marks, "di" in marks


def unpack_association(text: str, common: Common) -> Any:
    """The association as the publisher wrote it; raises ValueError if the text is not
    one that :func:`pack_association` writes."""
    data = _loads(text)
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    if "!" in data:
        return data["!"]
    marks = data.pop("=", [])
    if not isinstance(marks, list):
        raise ValueError("'=' is not a list")
    marks = [m for m in marks if m not in ("oi", "di")]
    out = dict(data)
    for key, end in (("<", "originNodeURI"), (">", "destinationNodeURI")):
        if key in out:
            node = _unpack_node(out.pop(key), common)
            if node is None:
                raise ValueError(f"{key!r} is not a node link")
            out[end] = node
    if not _unpack_shared(out, marks, out.get("identifier"), common):
        raise ValueError("a shared value it names is not in [case].common")
    return out
