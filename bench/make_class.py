#!/usr/bin/env python3
"""Generate realistic synthetic class folders for the benchmark (deterministic, seeded).

    python3 bench/make_class.py S|M|L OUT_FOLDER [--seed N] [--check]

Scales (see docs/performance.md):

    S: 30 students, 5 playlists (3 tiers x 6 activities), 40 competencies,
       60 ticks and 4 check requests per student
    M: 150 students, 40 playlists (3 tiers x 10 activities), 300 competencies,
       600 ticks and 20 check requests per student
    L: 5,000 students, 500 playlists (3 tiers x 10 activities), 2,000 competencies,
       600 ticks and 20 check requests per student

Every folder uses the real file formats (docs/formats.md): one line per entry in
``student.toml`` and ``teacher.toml``, decisions in ``teacher.toml``, comments at the top
of hand-written files, and loads with zero problems (``--check`` proves it). The same
scale and seed always give the same bytes.
"""

from __future__ import annotations

import argparse
import random
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

KINDS = ("video", "reading", "practice", "quiz", "project", "discussion", "workshop",
         "writing", "lab", "game")
FIRST = ("Ana", "Ben", "Chloe", "Diego", "Ethan", "Fatima", "Grace", "Hannah", "Isabella",
         "Jamal", "Kwame", "Lucas", "Maya", "Noah", "Olivia", "Priya", "Quinn", "Rosa",
         "Sami", "Tariq", "Uma", "Victor", "Wen", "Ximena", "Yusuf", "Zoe", "Aiko", "Bruno",
         "Carmen", "Dmitri", "Elif", "Farah", "Gabriel", "Hugo", "Ines", "Jonas", "Kenji",
         "Leila", "Mateo", "Nadia", "Omar", "Paula", "Rafael", "Sofia", "Tomas", "Valentina",
         "William", "Yara", "Zain", "Amara")
LAST = ("Andersen", "Begay", "Bello", "Brooks", "Cohen", "Dubois", "Garcia", "Haddad",
        "Hernandez", "Kim", "Lopez", "Mensah", "Nguyen", "Okafor", "Oyelaran", "Patel",
        "Quispe", "Rossi", "Souza", "Tanaka", "Usman", "Vargas", "Washington", "Xu", "Yilmaz",
        "Zhang", "Ahmed", "Baptiste", "Castillo", "Dlamini", "Eriksen", "Fischer", "Gomez",
        "Hoang", "Ivanova", "Jensen", "Kowalski", "Larsen", "Moreau", "Novak", "Ortiz",
        "Park", "Rahman", "Silva", "Torres", "Ueda", "Weber", "Young", "Ziegler", "Abebe")
SUBJECTS = ("MATH", "ELA", "SCI", "SOC", "ART", "MUS", "PE", "CS", "LANG", "HLTH")
VERBS = ("explain", "compare", "model", "solve problems with", "describe", "argue about",
         "represent", "investigate", "summarize", "apply", "evaluate", "design")
TOPICS = ("ratios", "unit rates", "claims and evidence", "ecosystems", "fractions",
          "the water cycle", "maps and scale", "counterclaims", "forces and motion",
          "percent", "persuasive writing", "the solar system", "data displays",
          "algorithms", "rhythm and meter", "healthy habits", "ancient civilizations",
          "equations", "energy transfer", "poetry")
REFLECTIONS = ("I understood it better after the second try.",
               "The workshop helped: I finally see why it works.",
               "Hard at first. I used the worked example and then it clicked.",
               "I worked with my table partner and we checked each other's answers.",
               "I want to try the challenge version next time.")
FEEDBACK_OK = ("Clear and correct; you explained every step.",
               "Solid work: your reasoning is easy to follow and your examples fit.",
               "You used the vocabulary precisely and checked your answer.")
FEEDBACK_NOT_YET = ("Good start, but the second half mixes up the two quantities.",
                    "Your answer is right but the explanation skips the key step.",
                    "Look again at question 3: the units do not match.")
NEXT_STEPS = ("Redo the practice set, then ask again.",
              "Come to the Thursday workshop and bring your notebook.",
              "Watch the second video again and try the exit ticket.")


@dataclass(frozen=True)
class Scale:
    name: str
    students: int
    teachers: int
    group_size: int
    frameworks: int
    competencies_per_framework: int
    playlists: int
    tiers: int
    activities_per_tier: int
    playlists_per_student: int
    ticks: int
    requests: int
    notes: int
    goals: int


SCALES = {
    "S": Scale("S", students=30, teachers=2, group_size=15, frameworks=2,
               competencies_per_framework=20, playlists=5, tiers=3, activities_per_tier=6,
               playlists_per_student=5, ticks=60, requests=4, notes=4, goals=2),
    "M": Scale("M", students=150, teachers=6, group_size=25, frameworks=10,
               competencies_per_framework=30, playlists=40, tiers=3, activities_per_tier=10,
               playlists_per_student=25, ticks=600, requests=20, notes=20, goals=3),
    "L": Scale("L", students=5000, teachers=120, group_size=25, frameworks=40,
               competencies_per_framework=50, playlists=500, tiers=3, activities_per_tier=10,
               playlists_per_student=25, ticks=600, requests=20, notes=20, goals=3),
}

YEAR_START = datetime(2026, 9, 1, tzinfo=UTC)
SCHOOL_DAYS = 175


def q(text: str) -> str:
    """A TOML basic string (the generator only uses plain ASCII text)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def school_moment(day: int, seconds: int) -> datetime:
    """The ``day``-th school day (weekends skipped) at 08:00 UTC plus ``seconds``."""
    weeks, rest = divmod(day, 5)
    start = YEAR_START + timedelta(days=7 * weeks + rest)
    return start.replace(hour=8) + timedelta(seconds=seconds)


@dataclass
class Competency:
    id: str
    framework: int


@dataclass
class PlaylistPlan:
    id: str
    title: str
    competencies: list[str]
    check: list[str]
    tiers: list[list[str]]  # activity ids per tier


class Generator:
    def __init__(self, scale: Scale, seed: int) -> None:
        self.s = scale
        self.rng = random.Random(f"{scale.name}-{seed}")
        self.files: dict[str, str] = {}

    # ------------------------------------------------------------------ curriculum

    def frameworks(self) -> list[list[Competency]]:
        out: list[list[Competency]] = []
        for f in range(self.s.frameworks):
            subject = SUBJECTS[f % len(SUBJECTS)]
            grade = 6 + f // len(SUBJECTS)
            fid = f"{subject.lower()}-{grade}-{f:03d}"
            prefix = f"{subject}.{grade}.F{f:03d}"
            lines = [f"# {fid}: competency framework (generated for the benchmark).",
                     "# Written by teachers only.", "",
                     f"id = {q(fid)}",
                     f"title = {q(f'{subject} grade {grade}: strand {f + 1}')}",
                     f"description = {q('A synthetic framework with domains and standards.')}",
                     "", "[scale]",
                     'levels = ["Beginning", "Developing", "Proficient", "Extending"]',
                     "mastered_at = 3"]
            items: list[Competency] = []
            domain = ""
            for c in range(self.s.competencies_per_framework):
                lines.append("")
                lines.append("[[competencies]]")
                if c % 10 == 0:
                    domain = f"{prefix}.D{c // 10}"
                    cid = domain
                    lines += [f"id = {q(cid)}",
                              f"name = {q(f'Domain {c // 10 + 1}')}",
                              f"statement = {q(f'Understand {self.rng.choice(TOPICS)}.')}"]
                else:
                    cid = f"{domain}.{c % 10}"
                    topic = self.rng.choice(TOPICS)
                    statement = f"I can {self.rng.choice(VERBS)} {topic} in context."
                    lines += [f"id = {q(cid)}", f"name = {q(topic.capitalize())}",
                              f"statement = {q(statement)}", f"parent = {q(domain)}"]
                    earlier = [i.id for i in items if i.id.startswith(domain + ".")]
                    if earlier and self.rng.random() < 0.5:
                        lines.append(f"prerequisites = [{q(self.rng.choice(earlier))}]")
                items.append(Competency(cid, f))
            self.files[f"frameworks/{fid}.toml"] = "\n".join(lines) + "\n"
            out.append(items)
        return out

    def playlists(self, frameworks: list[list[Competency]]) -> list[PlaylistPlan]:
        plans: list[PlaylistPlan] = []
        tier_names = (("must-do", "Must do", '"all"'),
                      ("should-do", "Should do", None),
                      ("aspire", "Aspire to do", '"optional"'))
        for p in range(self.s.playlists):
            framework = frameworks[p % len(frameworks)]
            leaves = [c.id for c in framework if c.id.count(".") > 3]
            chosen = self.rng.sample(leaves, 3)
            topic = self.rng.choice(TOPICS)
            pid = f"unit-{p:03d}-{topic.replace(' ', '-')}"
            plan = PlaylistPlan(pid, f"Unit {p + 1}: {topic.capitalize()}", chosen,
                                chosen[:2], [])
            lines = [f"# {pid}: a tiered playlist (generated for the benchmark).",
                     "# Written by teachers only.", "",
                     f"id = {q(pid)}", f"title = {q(plan.title)}",
                     f"summary = {q(f'Two weeks on {topic}. Start with Must do.')}",
                     "", "[check]",
                     "competencies = [" + ", ".join(q(c) for c in plan.check) + "]",
                     'ready_after = "must-do"']
            for t in range(self.s.tiers):
                tid, title, complete = tier_names[t % 3]
                if t >= 3:
                    tid, title = f"{tid}-{t}", f"{title} {t}"
                n = self.s.activities_per_tier
                lines += ["", "[[tiers]]", f"id = {q(tid)}", f"title = {q(title)}"]
                lines.append(f"complete = {complete or max(1, n * 6 // 10)}")
                if t == 2 and p % 3 == 0:
                    lines.append(f"unlock = {{ mastered = {q(chosen[0])} }}")
                acts: list[str] = []
                for a in range(n):
                    kind = self.rng.choice(KINDS)
                    aid = f"{tid}-{a + 1:02d}-{kind}"
                    acts.append(aid)
                    lines += ["", "[[tiers.activities]]", f"id = {q(aid)}",
                              f"title = {q(f'{kind.capitalize()} {a + 1}: {topic}')}",
                              f"kind = {q(kind)}"]
                    if kind in ("video", "reading", "game", "practice"):
                        lines.append(f"link = {q(f'https://example.org/{pid}/{aid}')}")
                    lines.append(f"minutes = {self.rng.choice((10, 15, 20, 25, 30, 45))}")
                    comps = self.rng.sample(chosen, self.rng.choice((1, 1, 2)))
                    lines.append("competencies = [" + ", ".join(q(c) for c in comps) + "]")
                    if self.rng.random() < 0.4:
                        how = f"Work through the {kind} and take notes in your notebook."
                        lines.append(f"description = {q(how)}")
                plan.tiers.append(acts)
            self.files[f"playlists/{pid}.toml"] = "\n".join(lines) + "\n"
            plans.append(plan)
        return plans

    # ------------------------------------------------------------------ roster

    def roster(self, plans: list[PlaylistPlan]
               ) -> tuple[list[tuple[str, str]], list[str], dict[str, list[PlaylistPlan]],
                          dict[str, str]]:
        teachers = [f"t-{LAST[i % len(LAST)].lower()}-{i:03d}" for i in range(self.s.teachers)]
        students: list[tuple[str, str]] = []
        taken: set[str] = set()
        for _ in range(self.s.students):
            first = FIRST[self.rng.randrange(len(FIRST))]
            last = LAST[self.rng.randrange(len(LAST))]
            base = f"{first}-{last}".lower()
            sid, n = base, 1
            while sid in taken:
                n += 1
                sid = f"{base}-{n}"
            taken.add(sid)
            students.append((sid, f"{first} {last}"))
        groups: list[list[str]] = [
            [sid for sid, _ in students[g:g + self.s.group_size]]
            for g in range(0, len(students), self.s.group_size)]
        # Each group works on a window of consecutive playlists; windows overlap.
        per = self.s.playlists_per_student
        stride = max(1, (len(plans) - per) // max(1, len(groups) - 1)) if len(plans) > per else 0
        assigned_groups: dict[str, list[int]] = {p.id: [] for p in plans}
        assigned: dict[str, list[PlaylistPlan]] = {}
        teacher_of: dict[str, str] = {}
        for g, members in enumerate(groups):
            start = min(g * stride, len(plans) - per) if stride else 0
            window = plans[start:start + per]
            for plan in window:
                assigned_groups[plan.id].append(g)
            for sid in members:
                assigned[sid] = window
                teacher_of[sid] = teachers[g % len(teachers)]
        lines = ["# The class file (generated for the benchmark).",
                 "# Who is in the class and which playlists each student works on.", "",
                 "format = 1", f"name = {q(f'Benchmark class {self.s.name}')}", ""]
        for i, tid in enumerate(teachers):
            lines += ["[[teachers]]", f"id = {q(tid)}",
                      f"name = {q(f'Teacher {LAST[i % len(LAST)]} {i}')}",
                      f"emails = [{q(f'{tid}@school.example')}]", ""]
        for sid, name in students:
            lines += ["[[students]]", f"id = {q(sid)}", f"name = {q(name)}",
                      f"emails = [{q(f'{sid}@students.school.example')}]", ""]
        for g, members in enumerate(groups):
            lines += ["[[groups]]", f"id = {q(f'group-{g:03d}')}",
                      f"name = {q(f'Homeroom {g + 1}')}",
                      "members = [" + ", ".join(q(m) for m in members) + "]", ""]
        for plan in plans:
            gids = assigned_groups[plan.id]
            if not gids:
                continue
            lines += ["[[assignments]]", f"playlist = {q(plan.id)}"]
            if len(gids) == len(groups):
                lines.append("everyone = true")
            else:
                lines.append("groups = [" + ", ".join(q(f"group-{g:03d}") for g in gids) + "]")
            lines.append("")
        self.files["class.toml"] = "\n".join(lines)
        return students, teachers, assigned, teacher_of

    # ------------------------------------------------------------------ students

    def student(self, sid: str, name: str, window: list[PlaylistPlan], teacher: str) -> None:
        rng = self.rng
        s = self.s
        order: list[tuple[PlaylistPlan, str]] = []
        for plan in window:
            for t, acts in enumerate(plan.tiers):
                tier = list(acts)
                if t > 0:
                    rng.shuffle(tier)
                order += [(plan, a) for a in tier]
        order = order[:s.ticks]
        total = len(order)
        ticks: list[str] = []
        when: dict[str, datetime] = {}
        done_by_plan: dict[str, datetime] = {}
        last = YEAR_START
        for i, (plan, aid) in enumerate(order):
            day = i * SCHOOL_DAYS // max(1, total)
            moment = school_moment(day, rng.randrange(0, 7 * 3600))
            moment = max(moment, last + timedelta(seconds=1))
            last = moment
            ref = f"{plan.id}/{aid}"
            when[ref] = moment
            done_by_plan[plan.id] = moment
            ticks.append(f'"{ref}" = {stamp(moment)}')
        notes: list[str] = []
        for ref in rng.sample(sorted(when), min(s.notes, len(when))):
            parts = [f"reflection = {q(rng.choice(REFLECTIONS))}"]
            if rng.random() < 0.5:
                parts.append(f"evidence = {q(f'https://docs.example.org/{sid}/{len(notes)}')}")
            notes.append(f'"{ref}" = {{ ' + ", ".join(parts) + " }")
        # Requests: on the check competencies of the playlists worked on, in time order.
        started = [p for p in window if p.id in done_by_plan]
        requests: list[tuple[str, str, str, datetime]] = []
        used: set[str] = set()
        for r in range(s.requests):
            if not started:
                break
            plan = started[r % len(started)]
            competency = plan.check[(r // len(started)) % len(plan.check)]
            at = done_by_plan[plan.id] + timedelta(minutes=5 + rng.randrange(120))
            rid = f"rq-{at:%Y%m%d-%H%M%S}"
            while rid in used:
                at += timedelta(seconds=1)
                rid = f"rq-{at:%Y%m%d-%H%M%S}"
            used.add(rid)
            requests.append((rid, competency, plan.id, at))
        requests.sort(key=lambda item: item[3])
        req_lines = []
        for rid, competency, pid, at in requests:
            note = (f", note = {q('I redid the practice set after the feedback.')}"
                    if rng.random() < 0.3 else "")
            req_lines.append(f"{rid} = {{ competency = {q(competency)}, playlist = {q(pid)}, "
                             f"at = {stamp(at)}{note} }}")
        goal_lines = []
        for g in range(s.goals):
            created = school_moment(g * 40, 3600)
            target = (created + timedelta(days=14)).date()
            done = (f", done = {stamp(created + timedelta(days=10))}"
                    if g < s.goals - 1 else "")
            goal_lines.append(f"g-{created:%Y%m%d-%H%M%S} = {{ text = "
                              f"{q(f'Finish the Must do of unit {g + 1} on time')}, "
                              f"target = {target.isoformat()}{done}, "
                              f"created = {stamp(created)} }}")
        parts = [f"# {name}'s record: written by playlist-tui for {name.split()[0]}.", "",
                 "[ticks]", *ticks]
        if notes:
            parts += ["", "[notes]", *notes]
        if req_lines:
            parts += ["", "[requests]", *req_lines]
        if goal_lines:
            parts += ["", "[goals]", *goal_lines]
        if requests:
            parts += ["", "[seen]", f"feedback = {stamp(requests[0][3] + timedelta(days=2))}"]
        self.files[f"students/{sid}/student.toml"] = "\n".join(parts) + "\n"
        # Decisions: most requests are answered; the last one or two are pending.
        pending = 1 + (len(requests) % 2)
        decisions = []
        taken: set[str] = set()
        for rid, _competency, _pid, at in requests[: max(0, len(requests) - pending)]:
            decided = at + timedelta(days=1 + rng.randrange(3), minutes=rng.randrange(300))
            did = f"d-{decided:%Y%m%d-%H%M%S}"
            while did in taken:
                decided += timedelta(seconds=1)
                did = f"d-{decided:%Y%m%d-%H%M%S}"
            taken.add(did)
            if rng.random() < 0.7:
                result, level, feedback = "mastered", rng.choice((3, 3, 4)), FEEDBACK_OK
                steps = ""
            else:
                result, level, feedback = "not-yet", rng.choice((1, 2)), FEEDBACK_NOT_YET
                steps = f", next_steps = {q(rng.choice(NEXT_STEPS))}"
            decisions.append(f"{did} = {{ request = {q(rid)}, result = {q(result)}, "
                             f"level = {level}, feedback = {q(rng.choice(feedback))}{steps}, "
                             f"by = {q(teacher)}, at = {stamp(decided)} }}")
        if decisions:
            self.files[f"students/{sid}/teacher.toml"] = (
                f"# Teachers' decisions about {name}: only teachers write this file.\n\n"
                "[decisions]\n" + "\n".join(decisions) + "\n")

    def generate(self) -> dict[str, str]:
        frameworks = self.frameworks()
        plans = self.playlists(frameworks)
        students, _teachers, assigned, teacher_of = self.roster(plans)
        for sid, name in students:
            self.student(sid, name, assigned[sid], teacher_of[sid])
        return self.files


def write_class(scale: str, out: Path, seed: int = 1) -> int:
    """Write the class folder for ``scale`` into ``out`` (which must not exist)."""
    files = Generator(SCALES[scale], seed).generate()
    out.mkdir(parents=True)
    made: set[Path] = set()
    for rel, text in files.items():
        path = out / rel
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        path.write_text(text, encoding="utf-8")
    return len(files)


def check(folder: Path) -> int:
    """Load the folder with playlist-tui's loader; print and count its problems."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from playlist_tui.store.loader import load_class

    result = load_class(folder)
    for problem in result.problems[:20]:
        print(problem, file=sys.stderr)
    return len(result.problems)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scale", choices=sorted(SCALES))
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--check", action="store_true",
                        help="load the result and fail unless it has zero problems")
    args = parser.parse_args(argv)
    if args.out.exists():
        parser.error(f"{args.out} exists")
    count = write_class(args.scale, args.out, args.seed)
    print(f"{args.out}: {count} files")
    if args.check:
        problems = check(args.out)
        print(f"{problems} problems")
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
