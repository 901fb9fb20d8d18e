"""One student's report for a family conference, as Markdown or a printable HTML page.

It holds only that student's record: their playlists with progress (tiers and what is
next), their competencies with the current level, the teachers' feedback and next steps,
their own requests, goals and reflections. Everything is worked out by the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from playlist_tui.engine.mastery import CompetencyStatus, State, statuses
from playlist_tui.engine.progress import (
    PlaylistProgress,
    adjustment,
    next_activities,
    of_total,
    playlist_progress,
)
from playlist_tui.model.files import Activity, Goal, Note, Result
from playlist_tui.model.klass import ClassData
from playlist_tui.reports.gradebook import level_cell, md_cell, md_table, select
from playlist_tui.reports.html import e, page


def day(moment: datetime | date | None) -> str:
    """``25 Sep 2026``"""
    if moment is None:
        return ""
    return f"{moment.day} {moment:%b %Y}"


@dataclass(frozen=True)
class PlaylistPart:
    progress: PlaylistProgress
    next_up: tuple[tuple[str, Activity], ...]  # (tier title, activity)
    adjusted: str = ""  # the teacher's adjustment for this student, in words
    note: str = ""  # the adjustment's note (accommodations)


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    kind: str  # "request" or "decision"
    text: str  # the event in words
    feedback: str = ""
    next_steps: str = ""
    note: str = ""


@dataclass(frozen=True)
class CompetencyPart:
    id: str
    name: str
    statement: str
    status: CompetencyStatus
    level: str  # "3 Proficient", "not yet", "pending", ""
    now: str  # in words: "mastered (Proficient)", "not started", ...
    history: tuple[HistoryLine, ...]


@dataclass(frozen=True)
class ReflectionPart:
    playlist: str
    activity: str
    note: Note


@dataclass(frozen=True)
class StudentReport:
    class_name: str
    student_id: str
    name: str
    groups: tuple[str, ...]
    as_of: date
    playlists: tuple[PlaylistPart, ...]
    competencies: tuple[CompetencyPart, ...]
    goals: tuple[Goal, ...]
    reflections: tuple[ReflectionPart, ...]

    @property
    def mastered(self) -> int:
        return sum(1 for c in self.competencies if c.status.state == State.MASTERED)

    @property
    def waiting(self) -> int:
        return sum(1 for c in self.competencies if c.status.pending)

    @property
    def complete(self) -> int:
        return sum(1 for p in self.playlists if p.progress.complete)


def build(data: ClassData, student: str, today: date | None = None) -> StudentReport:
    """The facts of the report. Raises gradebook.SelectionError for an unknown student."""
    sel = select(data, student=student)  # raises SelectionError for an unknown id
    person = data.students[student]
    teachers = data.teachers
    playlists = []
    for playlist in data.assigned_playlists(student):
        progress = playlist_progress(data, playlist, student)
        todo = next_activities(data, playlist, student, limit=3)
        adjust = adjustment(data, playlist, student)
        playlists.append(PlaylistPart(progress, tuple((t.title, a) for t, a in todo),
                                      _adjusted_words(progress),
                                      adjust.note if adjust is not None else ""))
    found = statuses(data, student, list(sel.competencies))
    competencies = []
    for cid in sel.competencies:
        status = found[cid]
        competency = data.competencies.get(cid)
        scale = data.scale_for(cid)
        lines: list[HistoryLine] = []
        for event in status.history:
            if event.decision is not None:
                decision = event.decision
                teacher = teachers.get(decision.by)
                who = teacher.name if teacher else decision.by
                level = decision.level
                if level is None and decision.result == Result.MASTERED:
                    level = scale.mastered_at
                words = "mastered" if decision.result == Result.MASTERED else "not yet"
                if level is not None:
                    words += f", level {level} ({scale.name_of(level)})"
                lines.append(HistoryLine(decision.at, "decision", f"{who}: {words}",
                                         decision.feedback, decision.next_steps))
            elif event.request is not None:
                waiting = any(rid == event.request_id for rid, _ in status.pending)
                text = "asked for a mastery check" + (" (waiting for a teacher)"
                                                      if waiting else "")
                lines.append(HistoryLine(event.at, "request", text, note=event.request.note))
        competencies.append(CompetencyPart(
            cid, competency.label if competency else cid,
            competency.statement if competency else "", status, level_cell(status),
            status.describe(), tuple(lines)))
    record = data.record(student).student
    goals = sorted(record.goals.values(),
                   key=lambda g: (g.done is not None, g.target or date.max, g.text))
    reflections = []
    for ref, note in record.notes.items():
        playlist_id, _, activity_id = ref.partition("/")
        playlist_found = data.playlists.get(playlist_id)
        located = playlist_found.activity(activity_id) if playlist_found else None
        if playlist_found is None or located is None or not (note.reflection or note.evidence):
            continue
        reflections.append(ReflectionPart(playlist_found.title, located[1].title, note))
    groups = tuple(g.name for g in data.groups.values() if student in g.members)
    return StudentReport(data.info.name, student, person.name, groups,
                         today or datetime.now(UTC).date(), tuple(playlists),
                         tuple(competencies), tuple(goals), tuple(reflections))


def _adjusted_words(progress: PlaylistProgress) -> str:
    """'placed at Should do; not required: Tape diagrams; required: Design (not done
    yet)', or '' without an adjustment."""
    parts = []
    placed = [t for t in progress.tiers if t.placed_out]
    if placed:
        parts.append(f"placed at {progress.tiers[len(placed)].tier.title}"
                     if len(placed) < len(progress.tiers) else "placed out of every tier")

    def title(aid: str) -> str:
        located = progress.playlist.activity(aid)
        return located[1].title if located else aid

    skipped = [title(a) for t in progress.tiers for a in t.skipped]
    if skipped:
        parts.append("not required: " + ", ".join(skipped))
    added = [title(a) + (" (not done yet)" if a in t.missing else " (done)")
             for t in progress.tiers if not t.placed_out for a in t.added]
    if added:
        parts.append("required: " + ", ".join(added))
    return "; ".join(parts)


def _tier_words(progress: PlaylistProgress) -> list[tuple[str, str, str]]:
    """(tier title, rule, state) for each tier."""
    out = []
    for status in progress.tiers:
        tier = status.tier
        if tier.complete == "all":
            rule = f"do all {status.total}"
        elif tier.complete == "optional":
            rule = "optional"
        else:
            rule = f"choose {status.needed} of {status.total}"
        if not status.unlocked:
            state = "locked"
        elif status.optional:
            state = f"open ({status.done} of {status.total} done)"
        elif status.complete:
            state = f"complete ({status.done} of {status.total} done)"
        else:
            state = f"open: {status.done} of {status.total} done"
        out.append((tier.title, rule, state))
    return out


def _summary(report: StudentReport) -> str:
    return (f"{of_total(report.complete, len(report.playlists), 'playlist')} complete; "
            f"{of_total(report.mastered, len(report.competencies), 'competency')} mastered"
            + (f"; {report.waiting} mastery check{'s' if report.waiting != 1 else ''} "
               "waiting for a teacher" if report.waiting else "") + ".")


def _goal_words(goal: Goal) -> str:
    parts = []
    if goal.target:
        parts.append(f"by {day(goal.target)}")
    parts.append(f"done {day(goal.done)}" if goal.done else "open")
    return ", ".join(parts)


# --------------------------------------------------------------------------- Markdown


def to_markdown(report: StudentReport) -> str:
    """Blocks separated by one blank line; lists and tables are one block each."""
    blocks: list[str] = [
        f"# {md_cell(report.name)}: learning report",
        f"{md_cell(report.class_name)} · as of {day(report.as_of)}"
        + (f" · {md_cell(', '.join(report.groups))}" if report.groups else ""),
        _summary(report), "## Playlists"]
    if not report.playlists:
        blocks.append("No playlists assigned yet.")
    for part in report.playlists:
        progress = part.progress
        blocks.append(f"### {md_cell(progress.playlist.title)}")
        blocks.append(f"{progress.percent}% done ({progress.done} of {progress.total} "
                      f"required activities), {_state(progress)}.")
        if part.adjusted:
            blocks.append(f"Adjusted for {md_cell(report.name)} by the teacher: "
                          f"{md_cell(part.adjusted)}.")
        if part.note:
            blocks.append(f"Accommodations: {md_cell(part.note)}")
        blocks.append(md_table(("Tier", "Rule", "Now"), _tier_words(progress)))
        if part.next_up:
            blocks.append("Next up: " + "; ".join(f"{md_cell(a.title)} ({md_cell(t)})"
                                                  for t, a in part.next_up) + ".")
    blocks.append("## Competencies")
    if report.competencies:
        blocks.append(md_table(("Competency", "Name", "Level now", "Status"),
                               ((c.id, c.name, c.level or "–", c.now)
                                for c in report.competencies)))
    else:
        blocks.append("No competencies yet.")
    blocks.append("## Feedback and next steps")
    told = [c for c in report.competencies if c.history]
    if not told:
        blocks.append("No mastery checks yet.")
    for comp in told:
        blocks.append(f"### {md_cell(comp.id)} {md_cell(comp.name)}")
        if comp.statement:
            blocks.append(f"*{md_cell(comp.statement)}*")
        items = []
        for line in comp.history:
            who = "" if line.kind == "decision" else f"{report.name} "
            item = f"- {day(line.at)}, {md_cell(who + line.text)}"
            if line.note:
                item += f": “{md_cell(line.note)}”"
            if line.feedback:
                item += f"\n  - Feedback: {md_cell(line.feedback)}"
            if line.next_steps:
                item += f"\n  - Next steps: {md_cell(line.next_steps)}"
            items.append(item)
        blocks.append("\n".join(items))
    blocks.append("## Goals")
    if report.goals:
        blocks.append("\n".join(f"- [{'x' if g.done else ' '}] {md_cell(g.text)} "
                                f"({_goal_words(g)})" for g in report.goals))
    else:
        blocks.append("No goals written yet.")
    if report.reflections:
        blocks.append("## Reflections")
        items = []
        for r in report.reflections:
            item = f"- **{md_cell(r.activity)}** ({md_cell(r.playlist)})"
            if r.note.reflection:
                item += f": {md_cell(r.note.reflection)}"
            if r.note.evidence:
                item += f" Evidence: {md_cell(r.note.evidence)}"
            items.append(item)
        blocks.append("\n".join(items))
    return "\n\n".join(b.rstrip("\n") for b in blocks) + "\n"


def _state(progress: PlaylistProgress) -> str:
    if progress.complete:
        return "complete"
    return "started" if progress.started else "not started"


# --------------------------------------------------------------------------- HTML

REPORT_CSS = """\
.summary { font-size: 12pt; margin: 2mm 0 4mm; }
.playlist, .competency { break-inside: avoid; margin-bottom: 4mm; }
.bar { display: inline-block; width: 40mm; height: 3mm; border: 0.75pt solid #000;
       vertical-align: middle; margin-right: 2mm; }
.bar span { display: block; height: 100%; background: #000;
            -webkit-print-color-adjust: exact; print-color-adjust: exact; }
.history { margin: 1mm 0 0; padding-left: 5mm; }
.history li { margin-bottom: 1mm; }
.feedback, .steps { margin: 0.5mm 0 0; }
.label { font-weight: 600; }
ul.goals { list-style: none; padding-left: 0; }
li { overflow-wrap: anywhere; }
.box { display: inline-block; width: 3.5mm; height: 3.5mm; border: 0.75pt solid #000;
       margin-right: 2mm; vertical-align: -0.5mm; text-align: center; line-height: 3mm;
       font-size: 9pt; }
"""


def _bar(percent: int) -> str:
    return (f'<span class="bar" role="img" aria-label="{percent}% done">'
            f'<span style="width:{max(0, min(100, percent))}%"></span></span>')


def to_html(report: StudentReport) -> str:
    h: list[str] = [f"<h1>{e(report.name)}: learning report</h1>\n",
                    f'<p class="muted">{e(report.class_name)} · as of {e(day(report.as_of))}'
                    + (f" · {e(', '.join(report.groups))}" if report.groups else "") + "</p>\n",
                    f'<p class="summary">{e(_summary(report))}</p>\n',
                    "<h2>Playlists</h2>\n"]
    if not report.playlists:
        h.append("<p>No playlists assigned yet.</p>\n")
    for part in report.playlists:
        progress = part.progress
        state = _state(progress)
        h.append('<section class="playlist">\n'
                 f"<h3>{e(progress.playlist.title)}</h3>\n"
                 f"<p>{_bar(progress.percent)}{progress.percent}% done ({progress.done} of "
                 f"{progress.total} required activities), {e(state)}.</p>\n"
                 + (f"<p>Adjusted for {e(report.name)} by the teacher: {e(part.adjusted)}."
                    "</p>\n" if part.adjusted else "")
                 + (f'<p><span class="label">Accommodations:</span> {e(part.note)}</p>\n'
                    if part.note else "")
                 + "<table><thead><tr><th>Tier</th><th>Rule</th><th>Now</th></tr></thead>"
                 "<tbody>\n")
        h.extend(f"<tr><td>{e(t)}</td><td>{e(r)}</td><td>{e(s)}</td></tr>\n"
                 for t, r, s in _tier_words(progress))
        h.append("</tbody></table>\n")
        if part.next_up:
            h.append("<p>Next up: " + "; ".join(f"{e(a.title)} ({e(t)})"
                                                for t, a in part.next_up) + ".</p>\n")
        h.append("</section>\n")
    h.append("<h2>Competencies</h2>\n")
    if report.competencies:
        h.append("<table><thead><tr><th>Competency</th><th>Name</th><th>Level now</th>"
                 "<th>Status</th></tr></thead><tbody>\n")
        h.extend(f"<tr><td>{e(c.id)}</td><td>{e(c.name)}</td><td>{e(c.level or '–')}</td>"
                 f"<td>{e(c.now)}</td></tr>\n" for c in report.competencies)
        h.append("</tbody></table>\n")
    else:
        h.append("<p>No competencies yet.</p>\n")
    h.append("<h2>Feedback and next steps</h2>\n")
    told = [c for c in report.competencies if c.history]
    if not told:
        h.append("<p>No mastery checks yet.</p>\n")
    for comp in told:
        h.append(f'<section class="competency">\n<h3>{e(comp.id)} {e(comp.name)}</h3>\n')
        if comp.statement:
            h.append(f'<p class="muted small">{e(comp.statement)}</p>\n')
        h.append('<ul class="history">\n')
        for line in comp.history:
            who = "" if line.kind == "decision" else f"{report.name} "
            item = f"<li><strong>{e(day(line.at))}</strong>, {e(who)}{e(line.text)}"
            if line.note:
                item += f": “{e(line.note)}”"
            if line.feedback:
                item += (f'<p class="feedback"><span class="label">Feedback:</span> '
                         f"{e(line.feedback)}</p>")
            if line.next_steps:
                item += (f'<p class="steps"><span class="label">Next steps:</span> '
                         f"{e(line.next_steps)}</p>")
            h.append(item + "</li>\n")
        h.append("</ul>\n</section>\n")
    h.append("<h2>Goals</h2>\n")
    if report.goals:
        h.append('<ul class="goals">\n')
        h.extend(f'<li><span class="box">{"✓" if g.done else ""}</span>{e(g.text)} '
                 f'<span class="muted">({e(_goal_words(g))})</span></li>\n'
                 for g in report.goals)
        h.append("</ul>\n")
    else:
        h.append("<p>No goals written yet.</p>\n")
    if report.reflections:
        h.append("<h2>Reflections</h2>\n<ul>\n")
        for r in report.reflections:
            item = f"<li><strong>{e(r.activity)}</strong> ({e(r.playlist)})"
            if r.note.reflection:
                item += f": {e(r.note.reflection)}"
            if r.note.evidence:
                item += f' <span class="muted">Evidence: {e(r.note.evidence)}</span>'
            h.append(item + "</li>\n")
        h.append("</ul>\n")
    return page(f"{report.name}: learning report", "".join(h), REPORT_CSS)


def student_markdown(data: ClassData, student: str, today: date | None = None) -> str:
    return to_markdown(build(data, student, today))


def student_html(data: ClassData, student: str, today: date | None = None) -> str:
    return to_html(build(data, student, today))
