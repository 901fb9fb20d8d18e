"""Mastery: pending requests, current level per competency, and the history behind it.

Rules (documented in docs/formats.md):
- A decision is about ``decision.competency``, or else about its request's competency.
- A request is *pending* until a decision answers it: one naming it, or a decision about
  the same competency dated at or after the request.
- The current level of a competency comes from the latest decision about it (by time, ties
  by order in the file). Every request and decision is kept as history.
- A decision that another names in ``supersedes`` does not count any more, nor does a
  withdrawal (``withdrawn = true``): see :func:`counted_decisions`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from playlist_tui.model.files import Decision, Request, Result
from playlist_tui.model.klass import ClassData, StudentRecord


class State(StrEnum):
    MASTERED = "mastered"
    NOT_YET = "not-yet"
    PENDING = "pending"
    NOT_STARTED = "not-started"


SYMBOL = {State.MASTERED: "✔", State.NOT_YET: "✗", State.PENDING: "…", State.NOT_STARTED: "·"}
WORD = {State.MASTERED: "mastered", State.NOT_YET: "not yet", State.PENDING: "pending",
        State.NOT_STARTED: "not started"}


@dataclass(frozen=True)
class Event:
    """One entry of a competency's history: a request or a decision."""

    at: datetime
    request_id: str | None = None
    request: Request | None = None
    decision_id: str | None = None
    decision: Decision | None = None


@dataclass(frozen=True)
class CompetencyStatus:
    competency: str
    state: State
    level: int | None = None
    level_name: str = ""
    pending: tuple[tuple[str, Request], ...] = ()
    latest: Decision | None = None
    history: tuple[Event, ...] = field(default=())

    @property
    def mastered(self) -> bool:
        return self.state == State.MASTERED

    @property
    def symbol(self) -> str:
        return SYMBOL[self.state]

    def describe(self) -> str:
        """In words: 'mastered (Proficient)', 'not yet (Developing), check pending', ..."""
        text = WORD[self.state]
        if self.level_name and self.state in (State.MASTERED, State.NOT_YET):
            text += f" ({self.level_name})"
        if self.pending and self.state != State.PENDING:
            text += ", check pending"
        return text


def decision_competency(record: StudentRecord, decision: Decision) -> str | None:
    """What a decision is about: its competency, its request's, or (a correction that
    names neither) the competency of the decision it supersedes."""
    seen: set[str] = set()
    while True:
        if decision.competency is not None:
            return decision.competency
        if decision.request is not None:
            request = record.student.requests.get(decision.request)
            if request is not None:
                return request.competency
        earlier = decision.supersedes
        if earlier is None or earlier in seen or earlier not in record.teacher.decisions:
            return None
        seen.add(earlier)
        decision = record.teacher.decisions[earlier]


def counted_decisions(record: StudentRecord) -> dict[str, Decision]:
    """The decisions that count, in file order: all but withdrawals and the decisions
    that a later entry supersedes (corrected or withdrawn). The file keeps them all."""
    decisions = record.teacher.decisions
    replaced = {d.supersedes for d in decisions.values() if d.supersedes is not None}
    return {did: d for did, d in decisions.items()
            if not d.withdrawn and did not in replaced}


def superseded_by(record: StudentRecord) -> dict[str, tuple[str, Decision]]:
    """Decision id -> (id, entry) of the entry that corrects or withdraws it."""
    out: dict[str, tuple[str, Decision]] = {}
    for did, decision in record.teacher.decisions.items():
        if decision.supersedes is not None:
            out[decision.supersedes] = (did, decision)
    return out


def pending_requests(record: StudentRecord) -> list[tuple[str, Request]]:
    """Requests still waiting for a decision, oldest first."""
    answered: set[str] = set()
    latest_on: dict[str, datetime] = {}
    for decision in counted_decisions(record).values():
        if decision.request is not None:
            answered.add(decision.request)
        competency = decision_competency(record, decision)
        if competency is not None:
            previous = latest_on.get(competency)
            latest_on[competency] = decision.at if previous is None else max(previous, decision.at)
    out = []
    for rid, request in record.student.requests.items():
        if rid in answered:
            continue
        decided = latest_on.get(request.competency)
        if decided is not None and decided >= request.at:
            continue
        out.append((rid, request))
    out.sort(key=lambda item: (item[1].at, item[0]))
    return out


def competency_status(data: ClassData, student: str, competency: str) -> CompetencyStatus:
    return statuses(data, student, [competency])[competency]


def statuses(data: ClassData, student: str,
             competencies: list[str] | None = None) -> dict[str, CompetencyStatus]:
    """Status of each competency for one student (all competencies of the class by default)."""
    record = data.record(student)
    wanted = list(data.competencies) if competencies is None else competencies
    events: dict[str, list[tuple[datetime, int, Event]]] = {c: [] for c in wanted}
    latest: dict[str, tuple[datetime, int, Decision]] = {}
    order = 0
    for rid, request in record.student.requests.items():
        if request.competency in events:
            events[request.competency].append(
                (request.at, order, Event(request.at, request_id=rid, request=request)))
        order += 1
    for did, decision in counted_decisions(record).items():
        competency = decision_competency(record, decision)
        order += 1
        if competency not in events:
            continue
        events[competency].append((decision.at, order, Event(
            decision.at, request_id=decision.request, decision_id=did, decision=decision)))
        key = (decision.at, order)
        if competency not in latest or key >= latest[competency][:2]:
            latest[competency] = (decision.at, order, decision)
    pending: dict[str, list[tuple[str, Request]]] = {}
    for rid, request in pending_requests(record):
        pending.setdefault(request.competency, []).append((rid, request))
    out: dict[str, CompetencyStatus] = {}
    for competency in wanted:
        history = tuple(e for _, _, e in sorted(events[competency], key=lambda x: x[:2]))
        waiting = tuple(pending.get(competency, ()))
        found = latest.get(competency)
        scale = data.scale_for(competency)
        if found is None:
            state = State.PENDING if waiting else State.NOT_STARTED
            out[competency] = CompetencyStatus(competency, state, pending=waiting,
                                               history=history)
            continue
        decision = found[2]
        level = decision.level
        if level is None and decision.result == Result.MASTERED:
            level = scale.mastered_at
        state = State.MASTERED if decision.result == Result.MASTERED else State.NOT_YET
        out[competency] = CompetencyStatus(
            competency, state, level, scale.name_of(level) if level else "", waiting, decision,
            history)
    return out


def state_of(data: ClassData, student: str) -> Callable[[str], tuple[State, int | None]]:
    """A function giving the state and level of any competency for one student, exactly as
    :func:`statuses` gives them, without the history: after one look at the student's
    decisions and requests, each competency is a lookup (the teacher's grid asks for the
    few dozen cells on screen out of 800)."""
    record = data.record(student)
    latest: dict[str, tuple[datetime, int, Decision]] = {}
    for n, decision in enumerate(counted_decisions(record).values()):
        competency = decision_competency(record, decision)
        if competency is None:
            continue
        key = (decision.at, n)  # (as in statuses: the latest decision, the last of equals)
        if competency not in latest or key >= latest[competency][:2]:
            latest[competency] = (decision.at, n, decision)
    pending = {request.competency for _, request in pending_requests(record)}

    def state(competency: str) -> tuple[State, int | None]:
        found = latest.get(competency)
        if found is None:
            return State.PENDING if competency in pending else State.NOT_STARTED, None
        decision = found[2]
        level = decision.level
        if level is None and decision.result == Result.MASTERED:
            level = data.scale_for(competency).mastered_at
        return (State.MASTERED if decision.result == Result.MASTERED else State.NOT_YET,
                level)

    return state


def states(data: ClassData, student: str,
           competencies: list[str]) -> list[tuple[State, int | None]]:
    """The state and level of each competency, exactly as :func:`statuses` gives them."""
    state = state_of(data, student)
    return [state(competency) for competency in competencies]


def is_mastered(data: ClassData, student: str, competency: str) -> bool:
    return competency_status(data, student, competency).mastered
