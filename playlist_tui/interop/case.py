"""CASE packages (1EdTech Competencies and Academic Standards Exchange) and frameworks.

Import: a CASE package (``CFDocument``, ``CFItems``, ``CFAssociations``; CASE 1.0, 1.1
and the older drafts that some tools still export) becomes ``frameworks/ID.toml``:

- each CFItem is a competency: ``humanCodingScheme`` made into a valid id (the item's
  ``identifier`` when it has no code), ``fullStatement`` as the statement,
  ``abbreviatedStatement`` as the short name, and the item's ``identifier`` as
  ``source_id``;
- ``A isChildOf B`` makes B the parent of A; ``A precedes B`` makes A a prerequisite of B;
- the CFDocument's ``identifier`` is the framework's ``source``.

A second import of the same document updates the file in place (small text edits that
keep comments): competencies are matched by ``source_id``, their statements, parents and
prerequisites follow the package, new items are added, and competencies that left the
package are reported, never deleted. Ids never change once written.

Export is the reverse, as a CASE 1.1 package.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import tomllib
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from pydantic import ValidationError

from playlist_tui.interop import caseprov
from playlist_tui.interop.common import (
    REMOVE,
    InputError,
    Report,
    UsageError,
    batch_edit,
    one_line,
    safe_id,
    unique_id,
)
from playlist_tui.model import tomlparse
from playlist_tui.model.errors import validate_lenient
from playlist_tui.model.files import CaseSource, Competency, Framework, Scale
from playlist_tui.model.graph import reaches
from playlist_tui.model.ids import id_error
from playlist_tui.store import layout, tomltext
from playlist_tui.store.ops import Operation
from playlist_tui.store.render import render_document, to_data
from playlist_tui.store.tomlpos import scan

NAMESPACE = uuid.UUID("e8cdbb5a-a47e-56a7-ab0f-db5f8e04a1c9")
"""UUID5 namespace for identifiers made up by the export (uuid5(NAMESPACE_URL, ...))."""

DEFAULT_SCALE = Scale(levels=("Beginning", "Developing", "Proficient", "Extending"),
                      mastered_at=3)

ASSOCIATION_TYPES = ("isChildOf", "isPeerOf", "isPartOf", "exactMatchOf", "precedes",
                     "isRelatedTo", "replacedBy", "exemplar", "hasSkillLevel",
                     "isTranslationOf")
"""The association types of CASE 1.0 and 1.1."""

_CANONICAL_TYPE = {t.lower(): t for t in ASSOCIATION_TYPES}

_ITEM_KEYS_USED = {"identifier", "uri", "fullStatement", "humanCodingScheme",
                   "abbreviatedStatement", "lastChangeDateTime", "CFDocumentURI"}
_PACKAGE_KEYS_USED = {"CFDocument", "CFItems", "CFAssociations"}
_OLDER_DRAFT_KEYS = {"educationalLevel", "CFItemTypeURI", "CFItemAssociationURI"}

MAX_PACKAGE_BYTES = 64 * 1024 * 1024


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class Item:
    identifier: str
    code: str
    statement: str
    abbreviated: str
    index: int

    @property
    def label(self) -> str:
        return self.code or self.identifier


@dataclass(frozen=True)
class Association:
    kind: str
    origin: str | None  # identifier of an item or of the document; None: not in the package
    origin_label: str
    destination: str | None
    destination_label: str
    sequence: float
    index: int


@dataclass
class Package:
    identifier: str
    uri: str
    title: str
    description: str
    creator: str
    version: str
    items: list[Item]
    associations: list[Association]
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    by_identifier: dict[str, Item] = field(default_factory=dict)
    raw_document: dict[str, Any] = field(default_factory=dict)
    raw_items: list[Any] = field(default_factory=list)
    raw_associations: list[Any] = field(default_factory=list)
    raw_rest: dict[str, Any] = field(default_factory=dict)
    """The parts of the package besides CFDocument, CFItems and CFAssociations."""
    raw_by_identifier: dict[str, dict[str, Any]] = field(default_factory=dict)
    _common: caseprov.Common | None = None

    def item(self, identifier: str) -> Item | None:
        return self.by_identifier.get(identifier)

    @property
    def common(self) -> caseprov.Common:
        if self._common is None:
            self._common = caseprov.learn([*self.raw_items, *self.raw_associations])
        return self._common

    def kept_items(self) -> list[Any]:
        """The CFItems that did not become competencies (skipped), as they were."""
        used = {id(self.raw_by_identifier[i.identifier]) for i in self.items}
        return [raw for raw in self.raw_items if id(raw) not in used]


def _text(obj: Mapping[str, Any], key: str) -> str:
    value = obj.get(key)
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if value is None:
        return "null"
    return "an object"


def parse_json(raw: bytes, name: str) -> Any:
    """The JSON in ``raw``, or :class:`InputError` saying where it breaks."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{name} is not UTF-8 text (byte {exc.start}); a CASE package is "
                         "a JSON file") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{name} is not JSON: {exc.msg} at line {exc.lineno}, column "
                         f"{exc.colno}. A CASE package is a JSON file with CFDocument, "
                         "CFItems and CFAssociations") from exc


def read_package_file(path: Path) -> Package:
    try:
        size = path.stat().st_size
        if size > MAX_PACKAGE_BYTES:
            raise InputError(f"{path} is {size:,} bytes, more than the limit of "
                             f"{MAX_PACKAGE_BYTES:,}")
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise UsageError(f"{path} does not exist") from exc
    except IsADirectoryError as exc:
        raise UsageError(f"{path} is a folder; give the CASE package's JSON file") from exc
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return read_package(parse_json(raw, str(path)))


def read_package(data: Any) -> Package:
    """Check the shape of a CASE package and read what the importer uses."""
    if isinstance(data, dict) and isinstance(data.get("CFPackage"), dict):
        data = data["CFPackage"]  # some services wrap the package
    if not isinstance(data, dict):
        raise InputError(f"not a CASE package: the file holds {_kind(data)}, not an object "
                         "with CFDocument, CFItems and CFAssociations")
    document = data.get("CFDocument")
    if not isinstance(document, dict):
        found = ", ".join(sorted(map(str, data))[:8]) or "nothing"
        raise InputError("not a CASE package: there is no CFDocument object (a CASE package "
                         f"has CFDocument, CFItems and CFAssociations; this file has {found})")
    if "CFItems" not in data:
        raise InputError("the CASE package has no CFItems: there is nothing to import")
    items = data["CFItems"]
    if not isinstance(items, list):
        raise InputError(f"CFItems is {_kind(items)}; it must be an array of items")
    associations = data.get("CFAssociations", [])
    if associations is None:
        associations = []
    if not isinstance(associations, list):
        raise InputError(f"CFAssociations is {_kind(associations)}; it must be an array")

    identifier = _text(document, "identifier")
    uri = _text(document, "uri") or _text(document, "CFPackageURI")
    if not identifier:
        identifier = uri.rstrip("/").rsplit("/", 1)[-1] if uri else ""
    if not identifier:
        raise InputError("the CFDocument has no identifier, so a later import could not find "
                         "this framework again; add the document's identifier")
    title = _text(document, "title")
    package = Package(identifier=identifier, uri=uri, title=title,
                      description=_text(document, "description"),
                      creator=_text(document, "creator"), version="", items=[],
                      associations=[], raw_document=document, raw_items=items,
                      raw_associations=associations,
                      raw_rest={k: v for k, v in data.items() if k not in _PACKAGE_KEYS_USED})
    if not title:
        package.title = f"CASE framework {identifier}"
        package.notes.append(f"the CFDocument has no title; using {package.title!r}")

    unused_fields: set[str] = set()
    older = False
    seen: dict[str, int] = {}
    for i, raw in enumerate(items):
        if not isinstance(raw, dict):
            package.skipped.append(f"CFItems[{i}] is {_kind(raw)}, not an item object")
            continue
        ident = _text(raw, "identifier")
        code = _text(raw, "humanCodingScheme")
        where = f"CFItems[{i}]" + (f" ({code})" if code else "")
        if not ident:
            package.skipped.append(f"{where} has no identifier")
            continue
        if ident in seen:
            package.skipped.append(f"{where}: identifier {ident} appears twice; the first "
                                   f"(CFItems[{seen[ident]}]) is kept")
            continue
        seen[ident] = i
        older = older or bool(_OLDER_DRAFT_KEYS & raw.keys()) or isinstance(
            raw.get("CFDocumentURI"), str)
        unused_fields.update(k for k in raw if k not in _ITEM_KEYS_USED)
        package.raw_by_identifier[ident] = raw
        package.items.append(Item(identifier=ident, code=code,
                                  statement=_text(raw, "fullStatement"),
                                  abbreviated=_text(raw, "abbreviatedStatement"),
                                  index=len(package.items)))
    package.by_identifier = {i.identifier: i for i in package.items}
    if not package.items:
        raise InputError("the CASE package has no usable CFItems: there is nothing to import"
                         + (f" ({'; '.join(package.skipped[:3])})" if package.skipped else ""))

    by_uri: dict[str, str] = {}
    labels: dict[str, str] = {identifier: "the document"}
    if uri:
        by_uri[uri] = identifier
    for raw in items:
        if isinstance(raw, dict) and _text(raw, "identifier") in seen:
            item_uri = _text(raw, "uri")
            if item_uri:
                by_uri.setdefault(item_uri, _text(raw, "identifier"))
    for item in package.items:
        labels[item.identifier] = item.label

    def node(value: Any) -> tuple[str | None, str]:
        if isinstance(value, dict):
            ident, link, title = (_text(value, "identifier"), _text(value, "uri"),
                                  _text(value, "title"))
        elif isinstance(value, str):
            ident, link, title = "", value.strip(), ""
        else:
            return None, "(missing)"
        tail = link.rstrip("/").rsplit("/", 1)[-1] if link else ""
        for candidate in (ident, by_uri.get(link, ""), tail):
            if candidate and candidate in labels:
                return candidate, labels[candidate]
        useful_title = title if title not in ("", "Origin", "Destination") else ""
        return None, useful_title or ident or link or "(missing)"

    for i, raw in enumerate(associations):
        if not isinstance(raw, dict):
            package.skipped.append(f"CFAssociations[{i}] is {_kind(raw)}, not an association")
            continue
        kind = _text(raw, "associationType")
        if not kind:
            package.skipped.append(f"CFAssociations[{i}] has no associationType")
            continue
        kind = _CANONICAL_TYPE.get(kind.lower(), kind)
        origin, origin_label = node(raw.get("originNodeURI"))
        destination, destination_label = node(raw.get("destinationNodeURI"))
        package.associations.append(Association(
            kind=kind, origin=origin, origin_label=origin_label, destination=destination,
            destination_label=destination_label, sequence=_sequence(raw.get("sequenceNumber")),
            index=i))

    if _text(document, "caseVersion"):
        package.version = f"CASE {_text(document, 'caseVersion')}"
    elif older or isinstance(document.get("CFPackageURI"), str):
        package.version = "CASE 1.0 (with keys from an older draft)"
    else:
        package.version = "CASE 1.0"
    if unused_fields:
        package.notes.append("item fields with no place in a framework file, kept as they "
                             "are for export (in each competency's case): "
                             + ", ".join(sorted(unused_fields)))
    extra = sorted(k for k in data if k not in _PACKAGE_KEYS_USED and data[k])
    if extra:
        package.notes.append("parts of the package that are not imported, kept as they are "
                             "for export (in [case]): " + ", ".join(extra))
    return package


def _sequence(value: Any) -> float:
    if isinstance(value, bool):
        return math.inf
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return math.inf
    return math.inf


# --------------------------------------------------------------------------- structure


@dataclass
class Structure:
    """Parents and prerequisites between items (by CASE identifier), cycles removed."""

    order: list[Item]
    parent: dict[str, str]
    prerequisites: dict[str, list[str]]
    skipped: list[str]


def _has_ancestor(node: str, ancestor: str, parent: Mapping[str, str]) -> bool:
    """Whether ``ancestor`` is ``node`` or one of its parents, grandparents, ..."""
    seen = set()
    current: str | None = node
    while current is not None and current not in seen:
        if current == ancestor:
            return True
        seen.add(current)
        current = parent.get(current)
    return False


def structure(package: Package) -> Structure:
    items = {i.identifier: i for i in package.items}
    doc = package.identifier
    parent: dict[str, str] = {}
    sequence: dict[str, float] = {}
    after: dict[str, list[str]] = {}  # A -> [B, ...]: A precedes B
    prerequisites: dict[str, list[str]] = {}
    skipped: list[str] = []
    unmapped: dict[str, int] = {}
    outside: list[str] = []

    def label(ident: str | None, fallback: str) -> str:
        if ident == doc:
            return "the document"
        return items[ident].label if ident in items else fallback

    for a in package.associations:
        if a.kind not in ("isChildOf", "precedes"):
            unmapped[a.kind] = unmapped.get(a.kind, 0) + 1
            continue
        text = (f"{label(a.origin, a.origin_label)} {a.kind} "
                f"{label(a.destination, a.destination_label)}")
        if a.origin not in items or (a.destination not in items and a.destination != doc):
            end = "origin" if a.origin not in items else "destination"
            why = ("the origin is the document" if a.origin == doc
                   else f"the {end} is not in the package")
            outside.append(f"{text}: {why}")
            continue
        assert a.origin is not None and a.destination is not None
        if a.kind == "isChildOf":
            if a.destination == doc:
                sequence.setdefault(a.origin, a.sequence)
                continue
            if a.origin in parent:
                if parent[a.origin] != a.destination:
                    skipped.append(f"{text}: {items[a.origin].label} already has the parent "
                                   f"{items[parent[a.origin]].label} (a competency has one "
                                   "parent)")
                continue
            if _has_ancestor(a.destination, a.origin, parent):
                skipped.append(f"{text}: it would close a cycle of parents, so it was dropped")
                continue
            parent[a.origin] = a.destination
            sequence[a.origin] = a.sequence
        else:
            before, later = a.origin, a.destination
            if later == doc:
                outside.append(f"{text}: the destination is the document")
                continue
            if before in prerequisites.get(later, []):
                continue
            if before == later or reaches(later, before, after):
                skipped.append(f"{text}: it would close a cycle of prerequisites, so it was "
                               "dropped")
                continue
            after.setdefault(before, []).append(later)
            prerequisites.setdefault(later, []).append(before)

    skipped.extend(outside)
    known = sorted(k for k in unmapped if k in ASSOCIATION_TYPES)
    if known:
        n = sum(unmapped[k] for k in known)
        skipped.append(f"{n} association{'s' if n > 1 else ''} of types a framework file has "
                       "no place for (only isChildOf, as parent, and precedes, as "
                       "prerequisite, are kept): "
                       + ", ".join(f"{k} ({unmapped[k]})" for k in known))
    for kind in sorted(k for k in unmapped if k not in ASSOCIATION_TYPES):
        n = unmapped[kind]
        skipped.append(f"{n} association{'s' if n > 1 else ''} of the unknown type {kind!r} "
                       "(not a CASE association type)")

    children: dict[str | None, list[Item]] = {}
    for item in package.items:
        children.setdefault(parent.get(item.identifier), []).append(item)
    for siblings in children.values():
        siblings.sort(key=lambda i: (sequence.get(i.identifier, math.inf), i.index))
    order: list[Item] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        item = stack.pop()
        order.append(item)
        stack.extend(reversed(children.get(item.identifier, [])))
    return Structure(order=order, parent=parent, prerequisites=prerequisites,
                     skipped=skipped)


def assign_ids(order: Sequence[Item], kept: Mapping[str, str], taken: Iterable[str]
               ) -> tuple[dict[str, str], list[str]]:
    """Ids for items (by identifier): ``kept`` ones stay, the others come from their code.

    Codes that are not valid ids are made safe; items without a code use their identifier;
    an id that is taken (a duplicate code, or a competency elsewhere) gets ``-2``, ``-3``...
    in the order of ``order``, so the same package always gives the same ids.
    """
    ids = dict(kept)
    used = set(taken) | set(kept.values())
    notes: list[str] = []
    no_code: list[str] = []
    for item in order:
        if item.identifier in ids:
            continue
        base = safe_id(item.code)
        if not item.code:
            no_code.append(item.identifier)
        elif not base:
            notes.append(f"the code {item.code!r} cannot be made into an id; using the "
                         "item's identifier")
        elif base != item.code:
            notes.append(f"the code {item.code!r} is not a valid id; using {base!r}")
        base = base or safe_id(item.identifier) or "item"
        new = unique_id(base, used)
        if new != base:
            notes.append(f"{item.label}: the id {base!r} is already taken; using {new!r}")
        ids[item.identifier] = new
        used.add(new)
    if no_code:
        shown = ", ".join(no_code[:3]) + (", ..." if len(no_code) > 3 else "")
        notes.append(f"{len(no_code)} item{'s have' if len(no_code) > 1 else ' has'} no "
                     f"humanCodingScheme; the id is the CASE identifier ({shown})")
    return ids, notes


def _statement(item: Item, notes: list[str]) -> str:
    if item.statement:
        return item.statement
    fallback = item.abbreviated or item.code or item.identifier
    source = ("abbreviatedStatement" if item.abbreviated else
              "humanCodingScheme" if item.code else "identifier")
    notes.append(f"{item.label} has no fullStatement; using its {source} as the statement")
    return fallback


# --------------------------------------------------------------------------- writing


@dataclass(frozen=True)
class FrameworkFile:
    """A framework file already in the class folder (read loosely: broken files count)."""

    path: str
    id: str | None
    source: str | None
    competencies: tuple[str, ...]
    broken: bool = False


_SOURCE_LINE = re.compile(r'^\s*source\s*=\s*"([^"\n]*)"', re.MULTILINE)
_ID_LINE = re.compile(r'^\s*id\s*=\s*"([^"\n]+)"', re.MULTILINE)


def scan_frameworks(root: Path) -> list[FrameworkFile]:
    folder = root / layout.FRAMEWORKS_DIR
    try:
        names = sorted(e.name for e in os.scandir(folder)
                       if e.name.endswith(".toml") and not e.name.startswith(".")
                       and e.is_file())
    except (FileNotFoundError, NotADirectoryError):
        return []
    out = []
    for name in names:
        rel = f"{layout.FRAMEWORKS_DIR}/{name}"
        try:
            text = (root / rel).read_text(encoding="utf-8-sig", errors="replace")
            data = tomlparse.loads(text)
        except OSError:
            continue
        except tomllib.TOMLDecodeError:
            source = _SOURCE_LINE.search(text)
            out.append(FrameworkFile(rel, None, source.group(1) if source else None,
                                     tuple(_ID_LINE.findall(text)), broken=True))
            continue
        comps = data.get("competencies")
        ids = tuple(c["id"] for c in comps if isinstance(c, dict) and isinstance(c.get("id"), str)
                    ) if isinstance(comps, list) else ()
        fid, source = data.get("id"), data.get("source")
        out.append(FrameworkFile(rel, fid if isinstance(fid, str) else None,
                                 source if isinstance(source, str) else None, ids))
    return out


DEFAULT_ID_LENGTH = 48


def default_framework_id(package: Package) -> str:
    """The title made into an id. A title longer than 48 characters is cut, and then gets
    ``-`` and 6 hex digits of a digest of the document's identifier, so that two documents
    whose titles start alike never get the same id (and the same one always does)."""
    full = safe_id(package.title, lower=True)
    if not full:
        return safe_id(f"case-{package.identifier[:8]}", lower=True) or "case-framework"
    if len(full) <= DEFAULT_ID_LENGTH:
        return full
    tag = hashlib.sha256(package.identifier.encode("utf-8")).hexdigest()[:6]
    return full[:DEFAULT_ID_LENGTH].rstrip("._-") + "-" + tag


@dataclass(frozen=True)
class Target:
    path: str
    framework_id: str
    taken: frozenset[str]
    """Competency ids of the other frameworks of the class."""


def choose_target(root: Path, package: Package, framework_id: str | None) -> Target:
    """Where the framework goes: the file imported from the same document, or a new one."""
    files = scan_frameworks(root)
    same = [f for f in files if f.source == package.identifier]
    if len(same) > 1:
        raise InputError("this CASE document was imported more than once: "
                         + ", ".join(f.path for f in same) + "; keep one of them")
    if same:
        found = same[0]
        if found.broken:
            raise InputError(f"{found.path} was imported from this CASE document but does "
                             "not parse; fix it first (playlist-tui validate shows where)")
        if framework_id is not None and framework_id != found.id:
            raise InputError(f"this CASE document was already imported as {found.id!r} "
                             f"({found.path}); run again without --id (or with --id "
                             f"{found.id}) to update it")
        path, fid = found.path, found.id or ""
    else:
        if framework_id is not None and id_error(framework_id) is not None:
            raise UsageError(f"--id {framework_id!r}: {id_error(framework_id)}; for example "
                             f"--id {safe_id(framework_id, lower=True) or 'grade6-math'}")
        fid = framework_id or default_framework_id(package)
        path = layout.framework_file(fid)
        for f in files:
            if f.path == path or f.id == fid:
                raise InputError(f"there is already a framework {fid!r} ({f.path}) that was "
                                 "not imported from this CASE document; choose another id "
                                 "with --id")
    taken = frozenset(c for f in files if f.path != path for c in f.competencies)
    return Target(path, fid, taken)


def _value(key: str, value: Any) -> str:
    if key == "case" and isinstance(value, str):
        return caseprov.toml_string(value)
    return tomltext.format_value(value)


def _competency_block(competency: Competency) -> str:
    data = to_data(competency)
    return "[[competencies]]\n" + "".join(
        f"{tomltext.format_key(k)} = {_value(k, v)}\n" for k, v in data.items())


CASE_COMMENT = ("# [case] and each competency's case: the rest of the CASE package, kept by\n"
                "# import case so that export case gives the publisher's data back\n"
                "# (docs/formats.md, \"CASE provenance\"). Written by import case; leave them\n"
                "# as they are.\n")


def case_block(source: CaseSource) -> str:
    """The ``[case]`` table (without the comment above it), one association a line."""
    def array(values: Sequence[str]) -> str:
        if not values:
            return "[]"
        return "[\n" + "".join(f"    {caseprov.toml_string(v)},\n" for v in values) + "]"

    return ("[case]\n"
            f"document = {caseprov.toml_string(source.document)}\n"
            f"common = {caseprov.toml_string(source.common)}\n"
            f"package = {caseprov.toml_string(source.package)}\n"
            f"competencies = {source.competencies}\n"
            f"items = {array(source.items)}\n"
            f"associations = {array(source.associations)}\n")


def render_framework(framework: Framework, header: str) -> str:
    """A new framework file: the top with render_document, then one block per competency,
    then ``[case]`` when it came from a CASE package."""
    head = render_document(framework.model_copy(update={"competencies": (), "case": None}),
                           header)
    text = head + "".join("\n" + _competency_block(c) for c in framework.competencies)
    if framework.case is not None:
        text += "\n" + CASE_COMMENT + case_block(framework.case)
    check = Framework.model_validate(tomlparse.loads(text))
    if check != framework:  # pragma: no cover - a bug in rendering, never in the input
        raise tomltext.EditError("the new framework file did not read back as written")
    return text


def _header(package: Package, path: str, scale_is_default: bool) -> str:
    where = package.uri or package.identifier
    lines = [f"{path}: imported with playlist-tui import case from the CASE package",
             f"{one_line(package.title)!r}, {one_line(where)}",
             "Importing a newer version of the package updates the competencies that have a",
             "source_id (statement, parent, prerequisites) and adds new ones; ids, comments",
             "and competencies you add by hand are kept."]
    if scale_is_default:
        lines.append("CASE has no mastery scale: the scale below is a default; change it freely.")
    return "\n".join(f"# {line}" for line in lines)


@dataclass
class _Plan:
    """The competencies the package asks for, with ids."""

    competencies: dict[str, Competency]  # by CASE identifier, in structure order
    notes: list[str]


def _plan(package: Package, shape: Structure, kept: Mapping[str, str], taken: Iterable[str],
          local_name: Mapping[str, str | None]) -> _Plan:
    ids, notes = assign_ids(shape.order, kept, taken)
    out: dict[str, Competency] = {}
    for item in shape.order:
        statement = _statement(item, notes)
        name = item.abbreviated if item.abbreviated and item.abbreviated != statement \
            else local_name.get(item.identifier)
        parent = shape.parent.get(item.identifier)
        data = caseprov.pack_item(package.raw_by_identifier[item.identifier],
                                  statement=statement, name=name, cid=ids[item.identifier],
                                  common=package.common)
        out[item.identifier] = Competency(
            id=ids[item.identifier], statement=statement, name=name,
            parent=ids[parent] if parent else None,
            prerequisites=tuple(ids[p] for p in shape.prerequisites.get(item.identifier, [])),
            source_id=item.identifier, case=data)
    return _Plan(out, notes)


def case_source(package: Package) -> CaseSource:
    """``[case]``: what export needs, besides the competencies, to give the package back."""
    common = package.common
    parsed = {a.index: a for a in package.associations}
    return CaseSource(
        document=caseprov.canonical(package.raw_document), common=common.text(),
        package=caseprov.canonical(package.raw_rest), competencies=len(package.items),
        items=tuple(caseprov.canonical(raw) for raw in package.kept_items()),
        associations=tuple(
            caseprov.pack_association(raw, common, _item_ends(package, parsed.get(i)))
            for i, raw in enumerate(package.raw_associations)))


def _item_ends(package: Package, a: Association | None) -> tuple[bool, bool]:
    if a is None:
        return False, False
    return a.origin in package.by_identifier, a.destination in package.by_identifier


def new_framework(package: Package, framework_id: str, scale: Scale | None,
                  taken: Iterable[str] = ()) -> tuple[Framework, list[str], list[str]]:
    """The framework for a first import, with notes and what was left out."""
    shape = structure(package)
    plan = _plan(package, shape, {}, taken, {})
    framework = Framework(id=framework_id, title=package.title,
                          description=package.description, scale=scale or DEFAULT_SCALE,
                          competencies=tuple(plan.competencies.values()),
                          source=package.identifier, case=case_source(package))
    return framework, plan.notes, shape.skipped


def _scale_note(scale: Scale | None) -> str:
    if scale is not None:
        return ""
    levels = ", ".join(DEFAULT_SCALE.levels)
    return (f"CASE has no mastery scale: the framework uses the default scale {levels} "
            f"(mastered at {DEFAULT_SCALE.mastered_at}, "
            f"{DEFAULT_SCALE.name_of(DEFAULT_SCALE.mastered_at)}); give --levels and "
            "--mastered-at, or edit [scale] in the file")


def _summary(package: Package) -> str:
    n, m = len(package.items), len(package.associations)
    return (f"{package.title!r} ({package.version}, {n} item{'s' if n != 1 else ''}, "
            f"{m} association{'s' if m != 1 else ''})")


def create_text(package: Package, target: Target, scale: Scale | None) -> tuple[str, Report]:
    framework, notes, skipped = new_framework(package, target.framework_id, scale,
                                              target.taken)
    text = render_framework(framework, _header(package, target.path, scale is None))
    _check_size(text, target.path)
    report = Report(changed=True)
    count = len(framework.competencies)
    report.done.append(f"Imported {_summary(package)} into {target.path}: {count} "
                       f"competenc{'ies' if count != 1 else 'y'}.")
    note = _scale_note(scale)
    report.notes.extend(([note] if note else []) + package.notes + notes)
    report.skipped.extend(package.skipped + skipped)
    return text, report


def _check_size(text: str, path: str) -> None:
    size = len(text.encode("utf-8"))
    if size > layout.MAX_FILE_BYTES:
        raise InputError(f"{path} would be {size:,} bytes, more than the {layout.MAX_FILE_BYTES:,} "
                         "a class file may have; split the package into smaller frameworks")


def _existing_framework(text: str, path: str) -> Framework:
    try:
        data = tomlparse.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path} does not parse ({exc}); fix it first") from exc
    try:
        return Framework.model_validate(data)
    except ValidationError as exc:
        _, problems = validate_lenient(Framework, data)
        first = problems[0].message if problems else str(exc).splitlines()[0]
        raise InputError(f"{path} has problems ({first}); run playlist-tui validate and fix "
                         "them first") from exc


def update_text(text: str, package: Package, target: Target, scale: Scale | None
                ) -> tuple[str, Report]:
    """Bring an earlier import up to date with small text edits (comments survive)."""
    current = _existing_framework(text, target.path)
    if current.source != package.identifier:
        raise InputError(f"{target.path} was not imported from this CASE document "
                         f"(its source is {current.source!r}); choose another id with --id")
    shape = structure(package)
    positions: dict[str, int] = {}
    for i, c in enumerate(current.competencies):
        if c.source_id:
            positions.setdefault(c.source_id, i)
    kept = {sid: current.competencies[i].id for sid, i in positions.items()
            if package.item(sid) is not None}
    local_name = {sid: current.competencies[i].name for sid, i in positions.items()}
    ids_here = {c.id for c in current.competencies}
    plan = _plan(package, shape, kept, set(target.taken) | ids_here, local_name)
    managed = {c.id for c in current.competencies if c.source_id}
    report = Report()
    sets: list[tuple[tuple[str | int, ...], Any]] = []
    updated: list[str] = []
    added: list[Competency] = []
    case_only = 0
    for sid, wanted in plan.competencies.items():
        if sid not in kept:
            added.append(wanted)
            continue
        i = positions[sid]
        have = current.competencies[i]
        changes: list[str] = []
        base: tuple[str | int, ...] = ("competencies", i)
        if wanted.statement != have.statement:
            sets.append(((*base, "statement"), wanted.statement))
            changes.append("statement")
        if wanted.name is not None and wanted.name != have.name:
            sets.append(((*base, "name"), wanted.name))
            changes.append("name")
        parent = wanted.parent
        if parent is None and have.parent is not None and have.parent not in managed:
            parent = have.parent  # a parent added by hand stays
        if parent != have.parent:
            sets.append(((*base, "parent"), REMOVE if parent is None else parent))
            changes.append("parent")
        wanted_pre = set(wanted.prerequisites)
        prerequisites = [p for p in have.prerequisites if p in wanted_pre or p not in managed]
        prerequisites += [p for p in wanted.prerequisites if p not in prerequisites]
        if tuple(prerequisites) != have.prerequisites:
            sets.append(((*base, "prerequisites"), prerequisites or REMOVE))
            changes.append("prerequisites")
        if wanted.case != have.case:
            sets.append(((*base, "case"), wanted.case))
            if have.case is not None and not changes:
                case_only += 1
        if changes:
            updated.append(f"{have.id} ({', '.join(changes)})")
        item = package.item(sid)
        code = safe_id(item.code) if item is not None else ""
        if code and code != have.id and not have.id.startswith(code + "-"):
            report.notes.append(f"{have.id}: the code in the package is now {code!r}; the id "
                                "is kept (ids never change once students use them)")
    if scale is not None and scale != current.scale:
        if list(scale.levels) != list(current.scale.levels):
            sets.append((("scale", "levels"), list(scale.levels)))
        if scale.mastered_at != current.scale.mastered_at:
            sets.append((("scale", "mastered_at"), scale.mastered_at))
        report.notes.append("the scale was changed as asked: " + ", ".join(scale.levels)
                            + f" (mastered at {scale.mastered_at})")

    new_text = batch_edit(text, sets, [(("competencies",), to_data(c)) for c in added])
    new_text = _with_case(new_text, case_source(package))
    _check_size(new_text, target.path)
    check = _existing_framework(new_text, target.path)
    known = {c.id for c in check.competencies} | set(target.taken)
    for c in check.competencies:
        for ref in [c.parent, *c.prerequisites]:
            if ref is not None and ref not in known:  # pragma: no cover - defensive
                raise InputError(f"{c.id} would name the unknown competency {ref!r}; nothing "
                                 "was written")

    gone = [c.id for c in current.competencies
            if c.source_id and package.item(c.source_id) is None]
    report.changed = new_text != text
    unchanged = len(kept) - len(updated)
    parts = [f"{len(added)} added", f"{len(updated)} updated", f"{unchanged} unchanged"]
    verb = "Updated" if report.changed else "Nothing to change in"
    report.done.append(f"{verb} {target.path} from {_summary(package)}: {', '.join(parts)}.")
    if added:
        report.done.append("  added: " + ", ".join(c.id for c in added))
    if updated:
        report.done.append("  updated: " + ", ".join(updated))
    if gone:
        report.notes.append(f"{len(gone)} competenc{'ies are' if len(gone) > 1 else 'y is'} "
                            "no longer in the package and kept in the file (remove by hand "
                            "if retired): " + ", ".join(gone))
    if current.case is None:
        report.notes.append("the package's other CASE data (codes, identifiers, URIs, "
                            "fields and associations the framework has no place for) is now "
                            "kept in the file, so that export case gives it back")
    elif case_only or check.case != current.case:
        report.notes.append("the CASE data kept for export (fields the framework has no place "
                            "for) was brought up to date"
                            + (f" for {case_only} competenc{'ies' if case_only > 1 else 'y'}"
                               if case_only else ""))
    report.notes.extend(package.notes + plan.notes)
    report.skipped.extend(package.skipped + shape.skipped)
    return new_text, report


def _with_case(text: str, source: CaseSource) -> str:
    """``text`` with its ``[case]`` table replaced by ``source`` (added at the end if it
    has none). The table is written by import case only, so it is written whole."""
    block = case_block(source)
    table = scan(text).tables.get(("case",))
    if table is None:
        new = text.rstrip("\n") + "\n\n" + CASE_COMMENT + block
    else:
        if text[table.header_start:table.last_end] == block:
            return text
        new = text[:table.header_start] + block + text[table.last_end:]
    try:
        parsed = tomlparse.loads(new)
    except tomllib.TOMLDecodeError as exc:  # pragma: no cover - defensive
        raise InputError(f"the [case] table could not be written ({exc})") from exc
    if CaseSource.model_validate(parsed.get("case")) != source:  # pragma: no cover
        raise InputError("the [case] table did not read back as written; nothing was written")
    return new


@dataclass(frozen=True)
class ImportFramework(Operation):
    """Create or update one framework file from a CASE package (for ClassStore.apply)."""

    kind: ClassVar[str] = "import-case"
    package: Package | None = None
    target: Target | None = None
    scale: Scale | None = None
    reports: list[Report] = field(default_factory=list)
    _created: dict[str, str] = field(default_factory=dict)

    @property
    def path(self) -> str:
        assert self.target is not None
        return self.target.path

    def new_file(self) -> str:
        assert self.package is not None and self.target is not None
        text, report = create_text(self.package, self.target, self.scale)
        self._created["text"] = text
        self.reports.append(report)
        return text

    def edit(self, text: str) -> str:
        assert self.package is not None and self.target is not None
        if self._created.get("text") == text and self.reports:
            self._created.clear()
            return text
        new_text, report = update_text(text, self.package, self.target, self.scale)
        self.reports.append(report)
        return new_text

    @property
    def report(self) -> Report:
        return self.reports[-1]

    @property
    def summary(self) -> str:
        return f"imported a CASE framework into {self.path}"


def make_scale(levels: Sequence[str] | None, mastered_at: int | None) -> Scale | None:
    """The scale from ``--levels`` and ``--mastered-at`` (None: the default scale)."""
    if levels is None and mastered_at is None:
        return None
    names = tuple(levels) if levels is not None else DEFAULT_SCALE.levels
    if len(names) < 2 or any(not n for n in names):
        raise UsageError("--levels needs at least two level names, separated by commas")
    at = mastered_at if mastered_at is not None else min(len(names), DEFAULT_SCALE.mastered_at)
    if not 1 <= at <= len(names):
        raise UsageError(f"--mastered-at {at} is not a level: use a number from 1 to "
                         f"{len(names)}")
    return Scale(levels=names, mastered_at=at)


# --------------------------------------------------------------------------- export


def _own_uuid(*parts: str) -> str:
    """A UUID made from ``parts`` (always the same for the same parts)."""
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def _class_uuid(owner: str, *parts: str) -> str:
    """A UUID of the class ``owner`` (see :func:`export_framework`): CASE identifiers are
    global, so two classes' frameworks of the same id must not share them."""
    return _own_uuid(owner, *parts) if owner else _own_uuid(*parts)


def _moment(at: datetime) -> str:
    moment = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Exported:
    package: dict[str, Any]
    notes: list[str]
    as_published: bool = False
    """True when the package is the publisher's, unchanged (an unedited import)."""

    def json(self) -> str:
        return json.dumps(self.package, indent=2, ensure_ascii=False) + "\n"


def export_framework(framework: Framework, *, changed_at: datetime, creator: str,
                     base_uri: str | None = None, owner: str = "") -> Exported:
    """The framework as a CASE package (a dict ready for JSON). Deterministic.

    ``owner`` names the class (the export command gives its folder's first commit): the
    identifiers made here (a document, its items and associations) are made from it, so
    another class's framework of the same id gets identifiers of its own.

    A framework imported from CASE (with ``[case]``) gives the publisher's package back as
    it was when nothing was changed here; otherwise a package of our own that keeps every
    part of the publisher's that was not changed and marks what was (see
    :func:`_export_kept`). A framework made here is a CASE 1.1 package of its own.
    """
    if framework.case is not None and framework.source is not None:
        return _export_kept(framework, framework.case, changed_at=changed_at,
                            creator=creator, base_uri=base_uri, owner=owner)
    return _export_new(framework, changed_at=changed_at, creator=creator, base_uri=base_uri,
                       owner=owner)


class _Writer:
    """Items and associations of a package of our own (identifiers, links, sequence)."""

    def __init__(self, doc_id: str, title: str, when: str, base_uri: str | None) -> None:
        self.doc_id, self.when, self.base_uri = doc_id, when, base_uri
        self.doc_link = {"title": title, "identifier": doc_id, "uri": self.uri(doc_id)}
        self.associations: list[dict[str, Any]] = []

    def uri(self, identifier: str) -> str:
        return f"{self.base_uri}{identifier}" if self.base_uri else f"urn:uuid:{identifier}"

    def item(self, c: Competency, identifier: str) -> dict[str, Any]:
        item: dict[str, Any] = {
            "identifier": identifier, "uri": self.uri(identifier),
            "CFDocumentURI": self.doc_link, "fullStatement": c.statement,
            "humanCodingScheme": c.id}
        if c.name:
            item["abbreviatedStatement"] = c.name
        item["CFItemType"] = "Competency"
        item["lastChangeDateTime"] = self.when
        return item

    def associate(self, kind: str, origin: dict[str, str], destination: dict[str, str],
                  sequence: int | None = None) -> None:
        identifier = _own_uuid(self.doc_id, kind, origin["identifier"],
                               destination["identifier"])
        entry: dict[str, Any] = {
            "identifier": identifier, "uri": self.uri(identifier),
            "CFDocumentURI": self.doc_link, "associationType": kind, "originNodeURI": origin,
            "destinationNodeURI": destination, "lastChangeDateTime": self.when}
        if sequence is not None:
            entry["sequenceNumber"] = sequence
        self.associations.append(entry)


def _scale_export_note(framework: Framework) -> str:
    return ("the mastery scale (" + ", ".join(framework.scale.levels)
            + ") is not part of CASE and is not exported")


def _export_new(framework: Framework, *, changed_at: datetime, creator: str,
                base_uri: str | None, owner: str) -> Exported:
    """A framework made here (or imported before [case] was kept): a package of our own."""
    notes: list[str] = []
    if framework.source is None:
        doc_id = _class_uuid(owner, "framework", framework.id)
    else:
        doc_id = _class_uuid(owner, "derived", framework.source, framework.id)
        notes.append("this framework was imported before playlist-tui kept the publisher's "
                     "CASE data, so it is exported as a document of its own (codes are the "
                     "ids); import the package again to export it as published")
    out = _Writer(doc_id, framework.title, _moment(changed_at), base_uri)
    document: dict[str, Any] = {
        "identifier": doc_id, "uri": out.uri(doc_id), "creator": creator or "playlist-tui",
        "title": framework.title, "lastChangeDateTime": out.when, "caseVersion": "1.1"}
    if framework.description:
        document["description"] = framework.description
    # identifiers kept from an import stay as they are, UUIDs or not
    ids = {c.id: c.source_id or _class_uuid(owner, "competency", framework.id, c.id)
           for c in framework.competencies}
    links = {c.id: {"title": c.id, "identifier": ids[c.id], "uri": out.uri(ids[c.id])}
             for c in framework.competencies}
    items = [out.item(c, ids[c.id]) for c in framework.competencies]
    position: dict[str | None, int] = {}
    for c in framework.competencies:
        parent = c.parent if c.parent in links else None
        if c.parent is not None and parent is None:
            notes.append(f"{c.id}: the parent {c.parent!r} is not in this framework; the "
                         "competency is exported at the top level")
        position[parent] = position.get(parent, 0) + 1
        out.associate("isChildOf", links[c.id], links[parent] if parent else out.doc_link,
                      position[parent])
    for c in framework.competencies:
        for p in c.prerequisites:
            if p in links:
                out.associate("precedes", links[p], links[c.id])
            else:
                notes.append(f"{c.id}: the prerequisite {p!r} is not in this framework; "
                             "it is left out")
    notes.append(_scale_export_note(framework))
    package = {"CFDocument": document, "CFItems": items, "CFAssociations": out.associations}
    return Exported(package, notes)


def _loads_kept(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise InputError(f"[case] {what} is not JSON ({exc}); it is written by import case: "
                         "import the package again to restore it") from exc


def _relink(node: Any, identifier: str, uri: str, title: str | None = None) -> Any:
    """A node link (or a bare URI) pointing at ``identifier`` instead, in the same shape."""
    if isinstance(node, str):
        return uri
    link = dict(node) if isinstance(node, dict) else {}
    link.update(identifier=identifier, uri=uri)
    if title is not None or "title" in link:
        link["title"] = title if title is not None else link["title"]
    return link


def _noted(raw: dict[str, Any], note: str) -> str:
    before = raw.get("notes")
    return f"{before}\n\n{note}" if isinstance(before, str) and before.strip() else note


def _export_kept(framework: Framework, source: CaseSource, *, changed_at: datetime,
                 creator: str, base_uri: str | None, owner: str) -> Exported:
    """A framework imported from CASE: the publisher's package as it was when nothing was
    changed here; else a derived document of our own (its own identifier, our creator)
    that keeps every item and association of the publisher's that was not changed, gives
    the changed items identifiers of our own (their codes stay), leaves out what was
    removed here, adds what was added here, and says in ``notes`` what changed."""
    assert framework.source is not None
    common = caseprov.Common.parse(source.common)
    document = _loads_kept(source.document, "document")
    rest = _loads_kept(source.package, "package")
    if not isinstance(document, dict) or not isinstance(rest, dict):
        raise InputError("[case] document and package must be JSON objects; import the "
                         "package again to restore them")
    kept_items = [_loads_kept(text, "items") for text in source.items]
    try:
        raw_associations = [caseprov.unpack_association(a, common)
                            for a in source.associations]
    except ValueError as exc:
        raise InputError(f"[case] associations cannot be read ({exc}); import the package "
                         "again to restore them") from exc

    notes: list[str] = []
    rebuilt: dict[str, dict[str, Any]] = {}
    changed: list[Competency] = []
    added: list[Competency] = []
    sourced: dict[str, Competency] = {}  # by source_id
    for c in framework.competencies:
        r = None
        if c.source_id and c.case and c.source_id not in sourced:
            r = caseprov.unpack_item(c.case, identifier=c.source_id, statement=c.statement,
                                     name=c.name, cid=c.id, common=common)
        if r is None:
            if c.source_id and c.case:
                notes.append(f"{c.id}: its case data cannot be read; it is exported as a "
                             "competency of our own")
            added.append(c)
            continue
        sourced[c.source_id or ""] = c
        rebuilt[c.source_id or ""] = r.item
        got = Item(identifier=c.source_id or "", code=_text(r.item, "humanCodingScheme"),
                   statement=_text(r.item, "fullStatement"),
                   abbreviated=_text(r.item, "abbreviatedStatement"), index=0)
        statement = _statement(got, [])
        name = got.abbreviated if got.abbreviated and got.abbreviated != statement else None
        if not r.unchanged or c.statement != statement or c.name != name:
            changed.append(c)

    # The publisher's package as it is now in the file (without what was removed here).
    current = {"CFDocument": document, "CFItems": [*rebuilt.values(), *kept_items],
               "CFAssociations": raw_associations, **rest}
    package = read_package(current)
    shape = structure(package)
    doc = package.identifier
    sid_of = {c.id: sid for sid, c in sourced.items()}

    def key(cid: str | None) -> str | None:
        """A competency's node: its source identifier, or 'local:ID' for our own."""
        if cid is None:
            return None
        return sid_of.get(cid, f"local:{cid}")

    ids_here = {c.id for c in framework.competencies}
    wanted_parent = {key(c.id): key(c.parent if c.parent in ids_here else None)
                     for c in framework.competencies}
    wanted_pre = {key(c.id): {key(p) for p in c.prerequisites if p in ids_here}
                  for c in framework.competencies}
    moved = [c.id for sid, c in sourced.items()
             if wanted_parent.get(sid) != shape.parent.get(sid)
             or wanted_pre.get(sid, set()) != set(shape.prerequisites.get(sid, []))]
    removed = source.competencies - len(sourced)
    title_now = _text(document, "title") or f"CASE framework {doc}"
    doc_changed = (framework.title != title_now
                   or framework.description != _text(document, "description"))

    if not (changed or added or moved or removed > 0 or doc_changed):
        notes.append("nothing was changed here since the import: this is the publisher's "
                     "package as it was imported")
        notes.append(_scale_export_note(framework))
        ordered = {"CFDocument": document, "CFItems": [*rebuilt.values(), *kept_items],
                   "CFAssociations": raw_associations, **rest}
        return Exported(ordered, notes, as_published=True)

    # ---- a derived document of our own
    doc_id = _class_uuid(owner, "derived", framework.source, framework.id)
    out = _Writer(doc_id, framework.title, _moment(changed_at), base_uri)
    summary = []
    if doc_changed:
        summary.append("the title or description")
    if changed:
        summary.append(f"{len(changed)} competenc{'ies' if len(changed) > 1 else 'y'} "
                       f"reworded ({', '.join(c.id for c in changed)})")
    if moved:
        summary.append(f"the parents or prerequisites of {', '.join(moved)}")
    if added:
        summary.append(f"{len(added)} added ({', '.join(c.id for c in added)})")
    if removed > 0:
        summary.append(f"{removed} removed")
    publisher = f"{title_now!r} ({doc}{', ' + package.uri if package.uri else ''})"
    ours = dict(document)
    ours.update(identifier=doc_id, uri=out.uri(doc_id), creator=creator or "playlist-tui",
                title=framework.title, lastChangeDateTime=out.when)
    if framework.description:
        ours["description"] = framework.description
    else:
        ours.pop("description", None)
    if "CFPackageURI" in ours:
        ours["CFPackageURI"] = _relink(ours["CFPackageURI"], doc_id, out.uri(doc_id),
                                       framework.title)
    ours["notes"] = _noted(document, f"Derived with playlist-tui from the CASE document "
                                     f"{publisher}. Changed here: {'; '.join(summary)}. "
                                     "Items and associations that keep the publisher's "
                                     "identifiers are the publisher's, unchanged.")
    ours.setdefault("caseVersion", "1.1")

    new_id = {c.source_id or "": _own_uuid(doc_id, c.source_id or "") for c in changed}
    items: list[dict[str, Any]] = []
    for sid, raw in rebuilt.items():
        c = sourced[sid]
        if sid not in new_id:
            items.append(raw)
            continue
        item = dict(raw)
        item.update(identifier=new_id[sid], uri=out.uri(new_id[sid]),
                    fullStatement=c.statement, lastChangeDateTime=out.when)
        item["CFDocumentURI"] = (_relink(raw["CFDocumentURI"], doc_id, out.uri(doc_id),
                                         framework.title)
                                 if "CFDocumentURI" in raw else out.doc_link)
        if c.name:
            item["abbreviatedStatement"] = c.name
        else:
            item.pop("abbreviatedStatement", None)
        where = _text(raw, "uri")
        item["notes"] = _noted(raw, f"Changed with playlist-tui from the item {sid}"
                                    f"{' (' + where + ')' if where else ''} of {publisher}.")
        items.append(item)
    local_ids = {c.id: _class_uuid(owner, "competency", framework.id, c.id) for c in added}
    items += [out.item(c, local_ids[c.id]) for c in added]
    items += kept_items

    def link_of(node_key: str | None) -> dict[str, str]:
        if node_key is None:
            return out.doc_link
        if node_key.startswith("local:"):
            cid = node_key[len("local:"):]
            return {"title": cid, "identifier": local_ids[cid], "uri": out.uri(local_ids[cid])}
        c = sourced[node_key]
        identifier = new_id.get(node_key, node_key)
        raw_uri = _text(rebuilt[node_key], "uri")
        return {"title": c.id, "identifier": identifier,
                "uri": out.uri(identifier) if node_key in new_id or not raw_uri else raw_uri}

    imported_ids = {sid for sid in package.by_identifier}
    associations: list[Any] = []
    covered: set[tuple[str, str | None, str | None]] = set()
    for (a, raw), (origin_was_item, destination_was_item) in zip(
            _paired(package.associations, raw_associations),
            (caseprov.item_ends(text) for text in source.associations), strict=True):
        if a is None or not isinstance(raw, dict):
            associations.append(raw)
            continue
        o, d = a.origin, a.destination
        if (o is None and origin_was_item) or (d is None and destination_was_item):
            continue  # an item removed here
        structural = a.kind in ("isChildOf", "precedes") and o in imported_ids and (
            d in imported_ids or (a.kind == "isChildOf" and d == doc))
        if structural:
            dest_key = None if d == doc else d
            if a.kind == "isChildOf":
                was = shape.parent.get(o or "") == dest_key
                still = wanted_parent.get(o) == dest_key
            else:
                was = o in shape.prerequisites.get(d or "", [])
                still = o in wanted_pre.get(d, set())
            if was and not still:
                continue  # a parent or prerequisite removed here
            if still:
                covered.add((a.kind, o, dest_key))
        touched = {o, d} & set(new_id) or d == doc or o == doc
        if not touched:
            associations.append(raw)
            continue
        entry = dict(raw)
        old = _text(raw, "identifier") or f"{a.index}"
        identifier = _own_uuid(doc_id, old)
        entry.update(identifier=identifier, lastChangeDateTime=out.when)
        if "uri" in raw:
            entry["uri"] = out.uri(identifier)
        if "CFDocumentURI" in raw:
            entry["CFDocumentURI"] = _relink(raw["CFDocumentURI"], doc_id, out.uri(doc_id),
                                             framework.title)
        for end, field_name in ((o, "originNodeURI"), (d, "destinationNodeURI")):
            if end == doc:
                entry[field_name] = _relink(raw.get(field_name), doc_id, out.uri(doc_id),
                                            framework.title)
            elif end in new_id:
                entry[field_name] = _relink(raw.get(field_name), new_id[end],
                                            out.uri(new_id[end]))
        associations.append(entry)

    out.associations = []
    position: dict[str | None, int] = {}
    for c in framework.competencies:
        me = key(c.id)
        parent = wanted_parent.get(me)
        position[parent] = position.get(parent, 0) + 1
        if ("isChildOf", me, parent) not in covered:
            out.associate("isChildOf", link_of(me), link_of(parent), position[parent])
    for c in framework.competencies:
        me = key(c.id)
        for p in c.prerequisites:
            if p not in ids_here:
                notes.append(f"{c.id}: the prerequisite {p!r} is not in this framework; "
                             "it is left out")
            elif ("precedes", key(p), me) not in covered:
                out.associate("precedes", link_of(key(p)), link_of(me))
        if c.parent is not None and c.parent not in ids_here:
            notes.append(f"{c.id}: the parent {c.parent!r} is not in this framework; the "
                         "competency is exported at the top level")
    associations += out.associations
    notes.insert(0, f"changed here since the import ({'; '.join(summary)}): exported as a "
                    f"document of our own ({doc_id}) derived from the publisher's; what was "
                    "not changed keeps the publisher's identifiers, codes and fields")
    notes.append(_scale_export_note(framework))
    result = {"CFDocument": ours, "CFItems": items, "CFAssociations": associations, **rest}
    return Exported(result, notes)


def _paired(parsed: Sequence[Association], raws: Sequence[Any]
            ) -> Iterable[tuple[Association | None, Any]]:
    """Each raw association with what read_package made of it (None: it was skipped)."""
    by_index = {a.index: a for a in parsed}
    for i, raw in enumerate(raws):
        yield by_index.get(i), raw
