"""xAPI statements (Experience API 1.0.3) of a class: ticks, requests and decisions, for a
district's Learning Record Store (LRS) and its analytics.

- a tick: the student ``completed`` the activity (``http://adlnet.gov/expapi/verbs/
  completed``), at the time of the tick, in the context of its playlist;
- a request for a mastery check: the student ``asked`` about the competency
  (``.../verbs/asked``), with the request's note as the response;
- a teacher's decision that counts: the student ``mastered`` the competency, or
  ``attempted`` it with ``success = false`` for not yet; the level as a scaled score, the
  feedback as the response, the teacher as the context's ``instructor``;
- a decision corrected or withdrawn since (``supersedes``): no statement of its own, and
  never ``mastered``; instead the teacher who corrected it ``voided`` the statement it had
  before (xAPI 1.0.3, 2.3.2), so an LRS that was sent it earlier no longer counts it. A
  withdrawal says nothing else.

People are agents with an ``account`` (``homePage`` + their id in the class), never their
email. Activities are IRIs under the same home page (``.../playlists/P/A``); a competency
imported from CASE is its CASE item's ``uri``. Each statement's ``id`` is a UUID made
from what it says (class, student, kind, key, time), so sending the same file twice adds
nothing: an LRS keeps one statement per id.

Sending: ``POST {endpoint}/statements`` with ``X-Experience-API-Version: 1.0.3`` and basic
authentication, in batches; statements the LRS already has (same id) are skipped: the LRS
is asked first which ids it has.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from playlist_tui.engine.mastery import counted_decisions, decision_competency, superseded_by
from playlist_tui.interop.common import InputError, UsageError
from playlist_tui.interop.credentials import case_alignment
from playlist_tui.model.files import Result
from playlist_tui.model.klass import ClassData

NAMESPACE = uuid.UUID("0c8a3e5e-2d6b-5c1e-8f0e-6a7b9d1c2e34")
VERSION = "1.0.3"
DEFAULT_HOME = "https://playlist-tui.invalid"
BATCH = 100
TIMEOUT = 30.0

VERBS = {
    "completed": "http://adlnet.gov/expapi/verbs/completed",
    "asked": "http://adlnet.gov/expapi/verbs/asked",
    "mastered": "http://adlnet.gov/expapi/verbs/mastered",
    "attempted": "http://adlnet.gov/expapi/verbs/attempted",
    "voided": "http://adlnet.gov/expapi/verbs/voided",
}
ACTIVITY_TYPES = {
    "activity": "http://adlnet.gov/expapi/activities/lesson",
    "playlist": "http://adlnet.gov/expapi/activities/course",
    "competency": "http://adlnet.gov/expapi/activities/objective",
}


def _moment(at: datetime) -> str:
    moment = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _text(value: str) -> dict[str, str]:
    return {"en-US": value}


def home_page(value: str | None) -> str:
    home = (value or DEFAULT_HOME).rstrip("/")
    parts = urllib.parse.urlsplit(home)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"--home-page {value!r} is not an http(s) address, e.g. "
                         "https://school.example.org/math6")
    return home


@dataclass
class Statements:
    data: ClassData
    home: str

    def agent(self, person_id: str, name: str) -> dict[str, Any]:
        return {"objectType": "Agent", "name": name,
                "account": {"homePage": self.home, "name": person_id}}

    def student(self, sid: str) -> dict[str, Any]:
        person = self.data.students.get(sid)
        return self.agent(sid, person.name if person is not None else sid)

    def activity(self, kind: str, iri: str, name: str,
                 description: str = "") -> dict[str, Any]:
        definition: dict[str, Any] = {"type": ACTIVITY_TYPES[kind], "name": _text(name)}
        if description:
            definition["description"] = _text(description)
        return {"objectType": "Activity", "id": iri, "definition": definition}

    def competency(self, cid: str) -> dict[str, Any]:
        competency = self.data.competencies.get(cid)
        framework = self.data.framework_of.get(cid)
        iri = f"{self.home}/competencies/{urllib.parse.quote(cid, safe='')}"
        if competency is None or framework is None:
            return self.activity("competency", iri, cid)
        aligned = case_alignment(framework, competency)
        if aligned is not None and aligned.url.startswith(("http://", "https://")):
            iri = aligned.url
        return self.activity("competency", iri, competency.name or cid, competency.statement)

    def statement_id(self, key: str) -> str:
        return str(uuid.uuid5(NAMESPACE, f"{self.home}/{key}"))

    def statement(self, key: str, actor: dict[str, Any], verb: str, obj: dict[str, Any],
                  at: datetime, **extra: Any) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.statement_id(key),
            "actor": actor, "verb": {"id": VERBS[verb], "display": _text(verb)},
            "object": obj, "timestamp": _moment(at)}
        out.update({k: v for k, v in extra.items() if v})
        return out

    def of_student(self, sid: str) -> list[dict[str, Any]]:
        record = self.data.record(sid)
        actor = self.student(sid)
        out: list[dict[str, Any]] = []
        for ref, at in sorted(record.student.ticks.items()):
            playlist_id, _, activity_id = str(ref).partition("/")
            playlist = self.data.playlists.get(playlist_id)
            found = playlist.activity(activity_id) if playlist is not None else None
            base = f"{self.home}/playlists/{urllib.parse.quote(playlist_id, safe='')}"
            title = found[1].title if found is not None else activity_id
            context = {"platform": "playlist-tui", "contextActivities": {"parent": [
                self.activity("playlist", base,
                              playlist.title if playlist is not None else playlist_id)]}}
            out.append(self.statement(
                f"{sid}/tick/{ref}/{_moment(at)}", actor, "completed",
                self.activity("activity", f"{base}/{urllib.parse.quote(activity_id, safe='')}",
                              title), at, context=context))
        for rid, request in sorted(record.student.requests.items()):
            response = {"response": request.note} if request.note else None
            out.append(self.statement(
                f"{sid}/request/{rid}/{_moment(request.at)}", actor, "asked",
                self.competency(request.competency), request.at, result=response,
                context={"platform": "playlist-tui"}))
        counted = counted_decisions(record)
        corrected_by = superseded_by(record)
        for did, decision in sorted(record.teacher.decisions.items()):
            key = f"{sid}/decision/{did}/{_moment(decision.at)}"
            if did not in counted:
                if decision.withdrawn or did not in corrected_by:
                    continue  # a withdrawal itself says nothing
                _, later = corrected_by[did]
                teacher = self.data.teachers.get(later.by)
                out.append(self.statement(
                    f"{key}/voided", self.agent(later.by, teacher.name if teacher is not None
                                                else later.by), "voided",
                    {"objectType": "StatementRef", "id": self.statement_id(key)}, later.at))
                continue
            cid = decision_competency(record, decision)
            if cid is None:
                continue
            scale = self.data.scale_for(cid)
            mastered = decision.result == Result.MASTERED
            level = decision.level or (scale.mastered_at if mastered else None)
            result: dict[str, Any] = {"success": mastered, "completion": mastered}
            if level is not None:
                result["score"] = {"raw": level, "min": 1, "max": len(scale.levels),
                                   "scaled": round(level / len(scale.levels), 4)}
            words = "\n\n".join(t for t in (decision.feedback, decision.next_steps) if t)
            if words:
                result["response"] = words
            teacher = self.data.teachers.get(decision.by)
            context = {"platform": "playlist-tui", "instructor": self.agent(
                decision.by, teacher.name if teacher is not None else decision.by)}
            out.append(self.statement(
                key, actor, "mastered" if mastered else "attempted", self.competency(cid),
                decision.at, result=result, context=context))
        return out


def statements(data: ClassData, home: str, students: Iterable[str] | None = None
               ) -> list[dict[str, Any]]:
    """The statements of the class (or of some students), in a fixed order."""
    make = Statements(data, home)
    out: list[dict[str, Any]] = []
    for sid in students if students is not None else sorted(data.records):
        out += make.of_student(sid)
    return out


def json_lines(items: Sequence[dict[str, Any]]) -> str:
    return "".join(json.dumps(s, ensure_ascii=False, sort_keys=True) + "\n" for s in items)


# --------------------------------------------------------------------------- sending


@dataclass
class Sent:
    sent: int
    already: int
    batches: int


def _request(url: str, auth: str | None, method: str = "GET",
             body: bytes | None = None) -> tuple[int, bytes]:
    headers = {"X-Experience-API-Version": VERSION, "Accept": "application/json"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    if auth:
        headers["Authorization"] = "Basic " + base64.b64encode(auth.encode()).decode()
    req = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise InputError(f"cannot reach the LRS at {url}: {reason}") from exc


def endpoint(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"--lrs {url!r} is not an http(s) address of an xAPI endpoint, e.g. "
                         "https://lrs.example.org/xAPI")
    return url.rstrip("/")


def _is_statement(body: bytes, statement_id: str) -> bool:
    """Whether an answer to GET ?statementId= is that statement. An LRS should answer
    with the statement, or 404 when it has none; some (Ralph 5.1) answer with a list of
    statements instead, empty when there is none."""
    try:
        found = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return False
    if isinstance(found, dict) and isinstance(found.get("statements"), list):
        return any(isinstance(s, dict) and s.get("id") == statement_id
                   for s in found["statements"])
    return isinstance(found, dict) and found.get("id") == statement_id


def send(items: Sequence[dict[str, Any]], url: str, auth: str | None,
         batch: int = BATCH) -> Sent:
    """POST the statements to the LRS in batches; those it already has are not sent again."""
    base = endpoint(url)
    already = 0
    todo: list[dict[str, Any]] = []
    for s in items:
        status, body = _request(f"{base}/statements?statementId={s['id']}", auth)
        if status == 200 and _is_statement(body, s["id"]):
            already += 1
        elif status in (401, 403):
            raise InputError(f"the LRS refused the credentials (HTTP {status}); give "
                             "--lrs-auth USER:PASSWORD")
        else:
            todo.append(s)
    batches = 0
    for start in range(0, len(todo), batch):
        chunk = todo[start:start + batch]
        status, body = _request(f"{base}/statements", auth, "POST",
                                json.dumps(chunk, ensure_ascii=False).encode("utf-8"))
        batches += 1
        if status not in (200, 204):
            detail = body.decode("utf-8", "replace")[:300]
            raise InputError(f"the LRS answered HTTP {status} to batch {batches} "
                             f"({start + 1}-{start + len(chunk)} of {len(todo)}): {detail}"
                             + ("; the batches before it were stored" if batches > 1 else ""))
    return Sent(len(todo), already, batches)


def fetch_ids(url: str, auth: str | None) -> list[str]:
    """The ids of every statement in the LRS (following ``more`` links)."""
    base = endpoint(url)
    ids: list[str] = []
    parts = urllib.parse.urlsplit(base)
    root = f"{parts.scheme}://{parts.netloc}"
    next_url = f"{base}/statements?limit=500"
    while next_url:
        status, body = _request(next_url, auth)
        if status != 200:
            raise InputError(f"the LRS answered HTTP {status} to {next_url}")
        page = json.loads(body)
        ids += [s["id"] for s in page.get("statements", [])]
        more = page.get("more") or ""
        next_url = (more if more.startswith("http") else root + more) if more else ""
    return ids
