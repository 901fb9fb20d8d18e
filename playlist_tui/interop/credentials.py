"""Mastery records that travel: Open Badges 3.0 achievement credentials (CLR 2.0 uses the
same ``AchievementCredential``), one per competency a student has mastered, and a CLR 2.0
``ClrCredential`` (Comprehensive Learner Record) that holds them all (:func:`clr`).

Each credential is unsigned JSON-LD (an ``OpenBadgeCredential`` without ``proof``: a
district signs with its own issuer key, see docs/user-guide.md). It says:

- the achievement: the competency (``achievementType`` ``Competency``, its statement,
  its code as ``humanCode``), aligned with its CASE item (``targetType`` ``CFItem``) when
  the framework came from a CASE package, with the framework's mastery scale as a
  ``resultDescription``;
- the result: the level of the teacher's decision;
- the evidence: the teacher's decision (who, when, feedback) and the student's evidence
  links and reflections on the activities that practise the competency, and the note of
  their request for the check.

Only decisions that count give a credential: one corrected or withdrawn since
(``supersedes``) gives none (engine.mastery.counted_decisions).

Identifiers are UUIDs made from the class, the student, the competency and the decision, so
exporting again gives the same credentials, byte for byte.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from playlist_tui.engine.mastery import counted_decisions, statuses
from playlist_tui.interop import caseprov
from playlist_tui.model.files import Competency, Decision, Framework
from playlist_tui.model.klass import ClassData

NAMESPACE = uuid.UUID("4b0c6f8e-9d1f-5a53-9b55-1f3c2a0e7d61")
CONTEXT = ["https://www.w3.org/ns/credentials/v2",
           "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
SCHEMA = ("https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
          "ob_v3p0_achievementcredential_schema.json")
CLR_CONTEXT = ["https://www.w3.org/ns/credentials/v2",
               "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
               "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
CLR_SCHEMA = ("https://purl.imsglobal.org/spec/clr/v2p0/schema/json/"
              "clr_v2p0_clrcredential_schema.json")


def _urn(*parts: str) -> str:
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, '/'.join(parts))}"


def _moment(at: datetime) -> str:
    moment = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _is_link(text: str) -> bool:
    return text.startswith(("https://", "http://"))


@dataclass(frozen=True)
class Alignment:
    url: str
    code: str


def case_alignment(framework: Framework, competency: Competency) -> Alignment | None:
    """The competency's CASE item (its uri and code) when it came from a CASE package."""
    sid = competency.source_id
    if not sid:
        return None
    code = competency.id
    url = ""
    if competency.case and framework.case is not None:
        common = caseprov.Common.parse(framework.case.common)
        rebuilt = caseprov.unpack_item(competency.case, identifier=sid,
                                       statement=competency.statement, name=competency.name,
                                       cid=competency.id, common=common)
        if rebuilt is not None:
            uri, hcs = rebuilt.item.get("uri"), rebuilt.item.get("humanCodingScheme")
            url = uri if isinstance(uri, str) else ""
            code = hcs if isinstance(hcs, str) and hcs else code
    if not url:
        try:
            url = uuid.UUID(sid).urn
        except ValueError:
            return None
    return Alignment(url, code)


def _evidence(data: ClassData, student: str, competency: str, decision: Decision,
              decision_id: str) -> list[dict[str, Any]]:
    record = data.record(student)
    teachers = data.teachers
    by = teachers[decision.by].name if decision.by in teachers else decision.by
    level = data.scale_for(competency).name_of(
        decision.level or data.scale_for(competency).mastered_at)
    narrative = "\n\n".join(t for t in (decision.feedback, decision.next_steps) if t)
    out: list[dict[str, Any]] = [{
        "id": _urn("decision", data.info.name, student, decision_id),
        "type": ["Evidence"], "name": "The teacher's decision",
        "description": f"Mastered ({level}): decided by {by} on {_moment(decision.at)}.",
        **({"narrative": narrative} if narrative else {})}]
    for ref, note in sorted(record.student.notes.items()):
        playlist_id, _, activity_id = str(ref).partition("/")
        playlist = data.playlists.get(playlist_id)
        found = playlist.activity(activity_id) if playlist is not None else None
        if found is None or competency not in found[1].competencies:
            continue
        if not (note.evidence or note.reflection):
            continue
        entry: dict[str, Any] = {"type": ["Evidence"], "name": found[1].title}
        if note.evidence and _is_link(note.evidence):
            entry["id"] = note.evidence
        elif note.evidence:
            entry["description"] = note.evidence
        if note.reflection:
            entry["narrative"] = note.reflection
        out.append(entry)
    request = record.student.requests.get(decision.request or "")
    if request is not None and request.note:
        out.append({"type": ["Evidence"], "name": "The student's request for the check",
                    "narrative": request.note})
    return out


def _issuer(data: ClassData) -> dict[str, Any]:
    return {"id": _urn("issuer", data.info.name), "type": ["Profile"],
            "name": data.info.name or "playlist-tui class"}


def _subject_ids(data: ClassData, student: str) -> list[dict[str, Any]]:
    """The student by name, and by their first email hashed (never the email itself)."""
    person = data.students[student]
    out: list[dict[str, Any]] = [
        {"type": "IdentityObject", "identityType": "name", "hashed": False,
         "identityHash": person.name}]
    for email in person.emails[:1]:
        salt = f"{data.info.name}/{student}"
        digest = hashlib.sha256((email.lower() + salt).encode("utf-8")).hexdigest()
        out.append({"type": "IdentityObject", "identityType": "emailAddress",
                    "hashed": True, "identityHash": f"sha256${digest}", "salt": salt})
    return out


def achievement(data: ClassData, framework: Framework, competency: Competency
                ) -> dict[str, Any]:
    """The competency as an OB 3.0 / CLR 2.0 ``Achievement`` (the same id everywhere)."""
    scale = framework.scale
    out: dict[str, Any] = {
        "id": _urn("achievement", data.info.name, framework.id, competency.id),
        "type": ["Achievement"], "achievementType": "Competency",
        "name": competency.name or competency.id,
        "description": competency.statement,
        "criteria": {"narrative": f"A teacher decides that the student has mastered it: "
                                  f"level {scale.mastered_at} "
                                  f"({scale.name_of(scale.mastered_at)}) or above on the "
                                  f"scale {', '.join(scale.levels)}."},
        "humanCode": competency.id, "fieldOfStudy": framework.title,
        "resultDescription": [{
            "id": _urn("scale", framework.id), "type": ["ResultDescription"],
            "name": "Mastery level", "resultType": "PerformanceLevel",
            "allowedValue": list(scale.levels),
            "requiredValue": scale.name_of(scale.mastered_at)}],
    }
    aligned = case_alignment(framework, competency)
    if aligned is not None:
        out["alignment"] = [{
            "type": ["Alignment"], "targetName": competency.name or aligned.code,
            "targetUrl": aligned.url, "targetCode": aligned.code, "targetType": "CFItem",
            "targetDescription": competency.statement, "targetFramework": framework.title}]
    return out


def credentials(data: ClassData, student: str) -> list[tuple[str, dict[str, Any]]]:
    """(file name, credential) for each competency ``student`` has mastered, in the order
    of the frameworks and their competencies. Only decisions that count are used."""
    framework_of = data.framework_of
    issuer = _issuer(data)
    subject_ids = _subject_ids(data, student)
    counted = counted_decisions(data.record(student))
    out: list[tuple[str, dict[str, Any]]] = []
    for competency_id, status in statuses(data, student).items():
        if not status.mastered or status.latest is None:
            continue
        decision = status.latest
        decision_id = next((k for k, v in counted.items() if v is decision), None)
        if decision_id is None:
            continue  # corrected or withdrawn since: it does not count
        framework = framework_of[competency_id]
        competency = data.competencies[competency_id]
        scale = framework.scale
        made = achievement(data, framework, competency)
        level = decision.level or scale.mastered_at
        credential: dict[str, Any] = {
            "@context": list(CONTEXT),
            "id": _urn("credential", data.info.name, student, framework.id, competency_id,
                       decision_id),
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "name": f"{competency.name or competency_id}: mastered",
            "issuer": issuer,
            "validFrom": _moment(decision.at), "awardedDate": _moment(decision.at),
            "credentialSubject": {
                "type": ["AchievementSubject"], "identifier": subject_ids,
                "achievement": made,
                "result": [{"type": ["Result"],
                            "resultDescription": made["resultDescription"][0]["id"],
                            "value": scale.name_of(level)}]},
            "evidence": _evidence(data, student, competency_id, decision, decision_id),
            "credentialSchema": [{"id": SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
        }
        out.append((f"{student}--{framework.id}--{competency_id}.json", credential))
    return out


def clr(data: ClassData, student: str) -> dict[str, Any] | None:
    """One CLR 2.0 ``ClrCredential`` (unsigned) for the student, or None when they have
    mastered nothing yet.

    Its ``ClrSubject`` holds the student's achievement credentials as
    ``verifiableCredential``; as ``achievement``, the competencies above the mastered ones
    (their parents, up to the top) that are not awarded themselves, so that the hierarchy
    can be shown; and as ``association``, the framework's links between these
    achievements: ``isChildOf`` (competency to parent) and ``precedes`` (a prerequisite to
    the competency that needs it).
    """
    made = credentials(data, student)
    if not made:
        return None
    framework_of = data.framework_of
    asserted = {c["credentialSubject"]["achievement"]["humanCode"]:
                c["credentialSubject"]["achievement"]["id"] for _, c in made}
    shown: dict[str, str] = dict(asserted)  # competency id -> achievement id
    listed: list[dict[str, Any]] = []
    todo = list(asserted)
    while todo:
        cid = todo.pop(0)
        parent = data.competencies[cid].parent
        if parent is None or parent in shown or parent not in data.competencies:
            continue
        framework = framework_of[parent]
        entry = achievement(data, framework, data.competencies[parent])
        shown[parent] = entry["id"]
        listed.append(entry)
        todo.append(parent)
    links: list[dict[str, Any]] = []
    for cid, aid in shown.items():
        competency = data.competencies[cid]
        if competency.parent in shown:
            links.append({"type": "Association", "associationType": "isChildOf",
                          "sourceId": aid, "targetId": shown[competency.parent]})
        for before in competency.prerequisites:
            if before in shown:
                links.append({"type": "Association", "associationType": "precedes",
                              "sourceId": shown[before], "targetId": aid})
    person = data.students[student]
    latest = max(c["validFrom"] for _, c in made)
    where = data.info.name or "the class"
    subject: dict[str, Any] = {"type": ["ClrSubject"],
                               "identifier": _subject_ids(data, student)}
    if listed:
        subject["achievement"] = listed
    subject["verifiableCredential"] = [c for _, c in made]
    if links:
        subject["association"] = links
    return {
        "@context": list(CLR_CONTEXT),
        "id": _urn("clr", data.info.name, student),
        "type": ["VerifiableCredential", "ClrCredential"],
        "name": f"{person.name}: competencies mastered in {where}",
        "description": f"The {len(made)} competenc{'ies' if len(made) > 1 else 'y'} "
                       f"{person.name} has mastered in {where}, each decided by a teacher "
                       "(one Open Badges 3.0 credential each).",
        "issuer": _issuer(data),
        "validFrom": latest, "awardedDate": latest,
        "credentialSubject": subject,
        "credentialSchema": [{"id": CLR_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
    }
