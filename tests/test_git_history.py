"""History in plain language (log) and reviews of a range of commits."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from playlist_tui.cli import main
from playlist_tui.model.files import Result
from playlist_tui.store import ops
from playlist_tui.store.gitrepo import GitRepo
from playlist_tui.store.store import ClassStore
from tests.conftest import git
from tests.gitutil import identify, seed_class


def at(hhmm: str) -> datetime:
    return datetime.fromisoformat(f"2026-11-20T{hhmm}:00+00:00").astimezone(UTC)


def commit_as(repo: Path, person: str, message: str, when: str) -> None:
    identify(repo, person)
    stamp = f"2026-11-20T{when}:00+0000"
    env = {**os.environ, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
    GitRepo(repo).git("add", "-A")
    subprocess.run(["git", "-C", str(repo), "commit", "-q", "-m", message], env=env,
                   check=True)


@pytest.fixture
def history(tmp_path: Path) -> Path:
    _, repo = seed_class(tmp_path)
    store = ClassStore(repo)
    store.apply(ops.Tick(student="ana", playlist="ratios", activity="practice", at=at("14:00")))
    store.apply(ops.RequestCheck(student="ana", competency="RP.1", playlist="ratios",
                                 at=at("14:01")))
    commit_as(repo, "ana", "ana: ticked ratios/practice, requested a check on RP.1", "14:01")
    request = "rq-20261120-140100"
    store.apply(ops.RecordDecision(student="ana", result=Result.MASTERED, by="lee",
                                   request=request, level=3, at=at("14:02")))
    store.apply(ops.RecordDecision(student="ben", result=Result.NOT_YET, by="kim",
                                   competency="RP.1", level=2, at=at("14:03")))
    commit_as(repo, "lee", "lee: decisions", "14:03")
    store.apply(ops.Untick(student="ana", playlist="ratios", activity="video"))
    store.apply(ops.SetNote(student="ana", playlist="ratios", activity="practice",
                            reflection="Easier than I thought."))
    store.apply(ops.MarkFeedbackSeen(student="ana", at=at("14:20")))
    commit_as(repo, "ana", "ana: unticked ratios/video", "14:30")
    text = (repo / "playlists/ratios.toml").read_text()
    (repo / "playlists/ratios.toml").write_text(text.replace('title = "Tape diagrams"',
                                                             'title = "Tape diagrams!"'))
    commit_as(repo, "lee", "lee: retitled", "15:10")
    return repo


EXPECTED = [
    "20 Nov 14:00  Ana Souza ticked Practice: ratio language",
    "20 Nov 14:01  Ana Souza requested a mastery check on RP.1",
    "20 Nov 14:02  Ms Lee: Ana Souza mastered RP.1 at level 3 (Proficient)",
    "20 Nov 14:03  Mr Kim: Ben Okafor has not yet mastered RP.1 (level 2, Developing)",
    "20 Nov 14:20  Ana Souza read the feedback",
    "20 Nov 14:30  Ana Souza unticked Watch: Intro to ratios",
    "20 Nov 14:30  Ana Souza wrote a reflection on Practice: ratio language",
    "20 Nov 15:10  Ms Lee: changed the playlist “What is a ratio?” (playlists/ratios.toml)",
]


def test_log_tells_the_history_in_words(history: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    events = GitRepo(history).history()
    lines = [e.line(UTC) for e in events]
    assert lines[-len(EXPECTED):] == EXPECTED
    # The first commit (Ms Lee committing the class with its students' files) comes
    # first: what it found is not credited to her (Cy's tick is Cy's, at its own time).
    assert lines[0] == "20 Oct 10:00  Cy Park ticked Watch: Intro to ratios"
    assert lines[3] == "23 Oct 10:00  Ms Lee: Cy Park mastered RP.1 at level 3 (Proficient)"
    first = [line for line in lines if "first committed" in line]
    assert first and all(
        "Already there when the class folder was first committed (" in line
        and "Ms Lee" not in line for line in first)
    assert any(line.endswith("the class (class.toml)") for line in first)
    decision = events[-6]
    assert (decision.student, decision.competency, decision.playlist, decision.actor) == \
        ("ana", "RP.1", "ratios", "Ms Lee")
    assert decision.summary == "ana, mastered on rq-20261120-140100"
    assert main(["log", str(history), "--limit", "3"]) == 0
    assert capsys.readouterr().out.splitlines() == EXPECTED[-3:]


def test_log_filters(history: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = GitRepo(history)
    ben = [e.sentence for e in repo.history(student="ben")]
    assert ben[-1] == "Mr Kim: Ben Okafor has not yet mastered RP.1 (level 2, Developing)"
    assert all("Ben Okafor" in s for s in ben)
    rp1 = [e.line(UTC) for e in repo.history(competency="RP.1", student="ana")]
    # The intro video and the practice serve RP.1: their ticks and notes count.
    assert rp1[-5:] == [EXPECTED[0], EXPECTED[1], EXPECTED[2], EXPECTED[5], EXPECTED[6]]
    assert all("Tape" not in line for line in rp1)
    playlist = [e.line(UTC) for e in repo.history(playlist="ratios")]
    assert EXPECTED[-1] in playlist and EXPECTED[3] not in playlist
    assert main(["log", str(history), "--student", "ana", "--competency", "RP.2"]) == 0
    assert capsys.readouterr().out == ""
    assert main(["log", str(history), "--limit", "-1"]) == 2
    assert main(["log", str(history), "--rev", "no-such-rev"]) == 2


def test_review_of_a_range(history: Path) -> None:
    review = GitRepo(history).review("HEAD~4..HEAD")
    assert [c.subject for c in review.commits] == [
        "lee: retitled", "ana: unticked ratios/video", "lee: decisions",
        "ana: ticked ratios/practice, requested a check on RP.1"]
    groups = [(g.student_name, g.playlist_title, [e.line(UTC) for e in g.events])
              for g in review.groups]
    assert groups == [
        ("The class", "What is a ratio?", [EXPECTED[7]]),
        ("Ana Souza", "What is a ratio?", [EXPECTED[0], EXPECTED[1], EXPECTED[2], EXPECTED[5],
                                           EXPECTED[6]]),
        ("Ana Souza", "other changes", [EXPECTED[4]]),
        ("Ben Okafor", "other changes", [EXPECTED[3]]),
    ]
    assert '+"ratios/practice" = 2026-11-20T14:00:00Z' in review.diff
    assert '-title = "Tape diagrams"' in review.diff
    text = review.text(UTC)
    assert text.startswith("4 commits in HEAD~4..HEAD:")
    assert "Ana Souza, What is a ratio?:\n  " + EXPECTED[0] in text


def test_review_of_one_commit(history: Path) -> None:
    review = GitRepo(history).review("HEAD~1")
    assert [c.subject for c in review.commits] == ["ana: unticked ratios/video"]
    assert [e.sentence for e in review.events] == [
        "Ana Souza read the feedback", "Ana Souza unticked Watch: Intro to ratios",
        "Ana Souza wrote a reflection on Practice: ratio language"]
    assert '-"ratios/video" = 2026-11-02T10:00:00Z' in review.diff
    assert "playlists/ratios.toml" not in review.diff


def test_an_empty_repository_has_no_history(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    assert GitRepo(tmp_path).history() == []
    assert GitRepo(tmp_path / "nowhere").history() == []


def test_a_review_names_the_author_once_and_can_leave_out_ones_own(history: Path) -> None:
    # Issue 15: "Ms. Lee: lee: added group", and one's own commits in "what the last
    # sync brought in".
    review = GitRepo(history).review("HEAD~4..HEAD")
    text = review.text(UTC)
    assert "Ms Lee: retitled" in text and "lee: retitled" not in text.replace(
        "Ms Lee: retitled", "")
    assert "Ana Souza: unticked ratios/video" in text
    others = review.without("LEE@school.example ")
    assert [c.subject for c in others.commits] == [
        "ana: unticked ratios/video", "ana: ticked ratios/practice, requested a check on RP.1"]
    lines = [e.line(UTC) for e in others.events]
    assert EXPECTED[7] not in lines and EXPECTED[2] not in lines  # Ms Lee's own work
    assert EXPECTED[0] in lines and EXPECTED[5] in lines
    assert all(g.events for g in others.groups)
    assert review.without("") is review


def test_a_review_leaves_out_syncs_merge_commits(tmp_path: Path) -> None:
    """Issue 15 item 13: the review listed "Mr. Kim: Merge remote-tracking branch
    'origin/main'": a merge is plumbing, what it brought is in the others' commits."""
    from tests.gitutil import clone

    remote, _seed = seed_class(tmp_path)
    lee = clone(remote, tmp_path / "lee", "lee")
    ana = clone(remote, tmp_path / "ana", "ana")
    ClassStore(ana).apply(ops.Tick("ana", "ratios", "practice"))
    ClassStore(lee).apply(ops.RecordDecision(student="ben", result=Result.NOT_YET, by="lee",
                                             competency="RP.1", feedback="Show the table"))
    assert GitRepo(ana).sync().ok
    assert GitRepo(lee).sync().ok  # a merge: both sides changed
    review = GitRepo(lee).review("ORIG_HEAD..HEAD")
    assert [c.subject for c in review.commits] == ["Ana Souza: ticked ratios/practice"]
    assert not any("Merge" in c.subject for c in review.commits)


def test_a_groups_edit_is_said_in_words() -> None:
    from playlist_tui.store.roster_ops import EditGroup

    assert EditGroup(group="table-2", name="Table two").summary == \
        'named group table-2 "Table two"'
    assert EditGroup(group="table-2", add=("ana", "ben")).summary == \
        "added 2 students to group table-2"
    assert EditGroup(group="t", new_id="u", remove=("ana",)).summary == \
        "renamed group t to u, removed 1 student from group u"
