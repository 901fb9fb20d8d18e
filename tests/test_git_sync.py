"""GitRepo: status, commits of the app's changes, sync and its refusals."""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest

from playlist_tui.cli import main
from playlist_tui.store import ops
from playlist_tui.store.gitrepo import ATTRIBUTES, DRIVER, GitRepo, commit_message
from playlist_tui.store.merge import FROM_OTHER
from playlist_tui.store.store import ClassStore
from tests.conftest import git
from tests.gitutil import clone, head, seed_class, snapshot

ANA = "students/ana/student.toml"


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    bare, _ = seed_class(tmp_path)
    return bare


def refs(repo: Path) -> str:
    return git(repo, "for-each-ref", "--format=%(refname) %(objectname)")


# --------------------------------------------------------------------------- messages


def test_commit_message_groups_a_burst_of_operations() -> None:
    assert commit_message("ana", ["ticked ratios/intro-video", "requested a check on RP.1"]) \
        == "ana: ticked ratios/intro-video, requested a check on RP.1"
    many = [f"ticked ratios/activity-{n}" for n in range(6)]
    message = commit_message("ana", many)
    subject, _, body = message.partition("\n\n")
    assert len(subject) <= 72 and subject.startswith("ana: ticked ratios/activity-0")
    assert subject.endswith("more")
    shown = subject.count("ticked")
    assert body.splitlines() == [f"- {s}" for s in many[shown:]]
    assert commit_message("ana", []) == "ana: saved changes"
    # a burst too long for the subject: the request is said before the ticks
    burst = commit_message("Eva Marsh", ["ticked cells/cell-video", "ticked cells/onion-slide",
                                         "ticked cells/microscope-lab",
                                         "requested a check on SCI.7.2"])
    assert burst.startswith("Eva Marsh: requested a check on SCI.7.2")
    assert "- ticked cells/microscope-lab" in burst
    assert commit_message("ana", ["read feedback", "read feedback"]) == "ana: read feedback"
    long = commit_message("ms-lee", ["decided mastered on MATH.6.RP.1 for a-student-with-a-"
                                     "very-long-id-indeed-it-is-long", "x"])
    assert len(long.split("\n")[0]) <= 72


# --------------------------------------------------------------------------- commits, status


def test_commit_app_changes_commits_only_the_given_files(remote: Path, tmp_path: Path) -> None:
    repo_path = clone(remote, tmp_path / "ana", "ana")
    repo = GitRepo(repo_path)
    assert repo.commit_app_changes([ANA], "ana: nothing") is None
    ClassStore(repo_path).apply(ops.Tick(student="ana", playlist="ratios", activity="practice"))
    (repo_path / "README.md").write_text("notes of mine\n")
    (repo_path / "students/ben/student.toml").write_text("# changed by hand\n")
    (repo_path / "class.toml").write_text((repo_path / "class.toml").read_text() + "# x\n")
    git(repo_path, "add", "class.toml")  # staged by hand: must stay staged, not committed
    status = repo.status()
    assert status.uncommitted == 3  # ana, ben, class.toml (README is not a class file)
    sha = repo.commit_app_changes([ANA], "ana: ticked ratios/practice")
    assert sha is not None and sha == head(repo_path)
    assert git(repo_path, "show", "--name-only", "--format=%an <%ae>|%s", "HEAD").split() == [
        "Ana", "Souza", "<ana@students.example>|ana:", "ticked", "ratios/practice", ANA]
    porcelain = git(repo_path, "status", "--porcelain")
    assert "M  class.toml" in porcelain and " M students/ben/student.toml" in porcelain
    assert "?? README.md" in porcelain
    assert repo.commit_app_changes([ANA], "again") is None
    status = repo.status()
    assert status.ahead == 1 and status.behind == 0 and status.has_remote
    assert status.branch == "main" and status.problem is None


def test_a_class_in_a_subfolder_of_a_repository(tmp_path: Path) -> None:
    top = tmp_path / "school"
    _, seed = seed_class(tmp_path)
    folder = top / "math"
    shutil.copytree(seed, folder, ignore=shutil.ignore_patterns(".git"))
    git(top, "init", "-q", "-b", "main")
    git(top, "config", "user.email", "ana@students.example")
    git(top, "config", "user.name", "Ana")
    git(top, "config", "commit.gpgsign", "false")
    git(top, "add", "-A")
    git(top, "commit", "-q", "-m", "start")
    repo = GitRepo(folder)
    assert repo.prefix == "math/"
    ClassStore(folder).apply(ops.Tick(student="ana", playlist="ratios", activity="tape"))
    assert repo.status().uncommitted_paths == (ANA,)
    assert repo.commit_app_changes([ANA], "ana: ticked ratios/tape")
    events = repo.history(student="ana")
    assert events[-1].sentence == "Ana Souza ticked Tape diagrams"


# --------------------------------------------------------------------------- sync


def test_two_devices_editing_the_same_note_sync_without_conflict(remote: Path,
                                                                 tmp_path: Path) -> None:
    laptop = clone(remote, tmp_path / "laptop", "ana", "laptop")
    tablet = clone(remote, tmp_path / "tablet", "ana", "tablet")
    note = {"student": "ana", "playlist": "ratios", "activity": "video"}
    ClassStore(laptop).apply(ops.SetNote(**note, reflection="On the laptop."))
    ClassStore(tablet).apply(ops.SetNote(**note, reflection="On the tablet."))
    ClassStore(tablet).apply(ops.Untick(student="ana", playlist="ratios", activity="video"))
    first = GitRepo(laptop).sync()
    assert first.ok and first.committed == 1 and first.pushed == 1, first.message
    second = GitRepo(tablet).sync()
    assert second.ok and second.fetched == 1 and second.merged == 1 and second.pushed == 2
    assert GitRepo(laptop).sync().ok
    assert head(laptop) == head(tablet)
    data = tomllib.loads((laptop / ANA).read_text())
    assert data["notes"]["ratios/video"]["reflection"] == \
        f"On the tablet.\n\n{FROM_OTHER} On the laptop."
    assert "ratios/video" not in data["ticks"]
    assert git(tablet, "log", "-1", "--format=%s", "HEAD^2") == \
        "Ana Souza: wrote a note on ratios/video\n"
    assert "Synced with origin" in second.message
    assert GitRepo(tablet).status().last_sync is not None


def test_the_first_sync_creates_the_remote_branch(tmp_path: Path) -> None:
    bare = tmp_path / "empty.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
    _, seed = seed_class(tmp_path)
    git(seed, "remote", "set-url", "origin", str(bare))
    git(seed, "config", "--unset", "branch.main.remote")
    git(seed, "config", "--unset", "branch.main.merge")
    result = GitRepo(seed).sync()
    assert result.ok and result.pushed == 1, result.message
    assert git(bare, "rev-parse", "main") == git(seed, "rev-parse", "HEAD")
    assert git(seed, "config", "branch.main.remote").strip() == "origin"


def test_a_rejected_push_is_retried_after_merging(remote: Path, tmp_path: Path) -> None:
    ana = clone(remote, tmp_path / "ana", "ana")
    ben = clone(remote, tmp_path / "ben", "ben")

    class Racing(GitRepo):
        races = 1

        def git(self, *args: str, check: bool = True, timeout: float | None = None) -> Any:
            if args[0] == "push" and self.races > 0:
                self.races -= 1  # Ben pushes between our fetch and our push
                ClassStore(ben).apply(ops.Tick(student="ben", playlist="ratios",
                                               activity="tape"))
                assert GitRepo(ben).sync().ok
            return super().git(*args, check=check, timeout=timeout)

    ClassStore(ana).apply(ops.Tick(student="ana", playlist="ratios", activity="tape"))
    result = Racing(ana, backoff=0.01).sync()
    assert result.ok, result.message
    assert result.attempts == 2 and result.fetched == 1 and result.merged == 1
    assert head(ana) == git(remote, "rev-parse", "main").strip()
    assert "ratios/tape" in (ana / "students/ben/student.toml").read_text()


def test_retries_are_bounded_and_keep_everything(remote: Path, tmp_path: Path) -> None:
    ana = clone(remote, tmp_path / "ana", "ana")
    ben = clone(remote, tmp_path / "ben", "ben")
    activities = iter(["tape", "recipe", "design", "tables"])

    class AlwaysLate(GitRepo):
        def git(self, *args: str, check: bool = True, timeout: float | None = None) -> Any:
            if args[0] == "push":
                ClassStore(ben).apply(ops.Tick(student="ben", playlist="ratios",
                                               activity=next(activities)))
                assert GitRepo(ben).sync().ok
            return super().git(*args, check=check, timeout=timeout)

    ClassStore(ana).apply(ops.Tick(student="ana", playlist="ratios", activity="tape"))
    result = AlwaysLate(ana, push_attempts=3, backoff=0.0).sync()
    assert not result.ok and result.attempts == 3
    assert "3 tries" in result.message and "Nothing was lost" in result.message
    assert "ratios/tape" in git(ana, "show", f"HEAD:{ANA}")  # committed, still here
    assert GitRepo(ana).sync().ok  # and sent next time


def test_an_unreachable_remote_keeps_every_local_change(remote: Path, tmp_path: Path) -> None:
    ana = clone(remote, tmp_path / "ana", "ana")
    ClassStore(ana).apply(ops.Tick(student="ana", playlist="ratios", activity="tape"))
    GitRepo(ana).commit_app_changes([ANA], "ana: ticked ratios/tape")
    ClassStore(ana).apply(ops.Tick(student="ana", playlist="ratios", activity="recipe"))
    before_head, before_files = head(ana), snapshot(ana)
    git(ana, "remote", "set-url", "origin", str(tmp_path / "does-not-exist"))
    result = GitRepo(ana).sync()
    assert not result.ok and result.offline
    assert "Could not reach origin" in result.message
    assert "2 commits waiting to be sent" in result.message
    assert snapshot(ana) == before_files
    assert git(ana, "merge-base", "--is-ancestor", before_head, "HEAD") == ""
    assert "ratios/recipe" in git(ana, "show", f"HEAD:{ANA}")  # the pending tick: committed
    assert git(ana, "status", "--porcelain") == ""


def test_a_hand_edited_conflict_is_aborted_and_named(remote: Path, tmp_path: Path) -> None:
    lee = clone(remote, tmp_path / "lee", "lee")
    kim = clone(remote, tmp_path / "kim", "kim")
    for repo, words in ((lee, "Lee's words"), (kim, "Kim's words")):
        (repo / "README.md").write_text(f"{words}\n")  # not a class file: by hand
        git(repo, "add", "README.md")
        git(repo, "commit", "-qm", "README")
        text = (repo / "playlists/ratios.toml").read_text()
        (repo / "playlists/ratios.toml").write_text(text.replace("minutes = 8", "minutes = 9"))
    assert GitRepo(lee).sync().ok
    before_head, before_files = head(kim), snapshot(kim)
    result = GitRepo(kim).sync()
    assert not result.ok and result.conflicts == ("README.md",)
    assert "README.md" in result.message and "Nothing was changed here" in result.message
    assert git(kim, "status", "--porcelain") == ""
    assert not (kim / ".git" / "MERGE_HEAD").exists()
    assert head(kim) != before_head  # the pending edit was committed ...
    assert git(kim, "rev-parse", "HEAD^") == before_head + "\n"
    assert snapshot(kim) == before_files  # ... and every file is as it was


def test_two_teachers_editing_a_playlist_are_merged_by_meaning(remote: Path, tmp_path: Path
                                                               ) -> None:
    from playlist_tui.store.merge_shared import read_conflicts

    lee = clone(remote, tmp_path / "lee", "lee")
    kim = clone(remote, tmp_path / "kim", "kim")
    path = "playlists/ratios.toml"
    text = (lee / path).read_text()
    (lee / path).write_text(text.replace("minutes = 8", "minutes = 12")
                            .replace('title = "Tape diagrams"', 'title = "Tape diagrams!"'))
    text = (kim / path).read_text()
    (kim / path).write_text(text.replace("minutes = 8", "minutes = 15")
                            .replace("# The practice tier: students pick two.",
                                     "# The practice tier: students pick two (Kim).")
                            + '\n[[tiers.activities]]\nid = "kims"\ntitle = "Kim\'s quiz"\n'
                              'kind = "practice"\n')
    assert GitRepo(lee).sync().ok
    result = GitRepo(kim).sync()
    assert result.ok, result.message
    merged = (kim / path).read_text()
    assert "minutes = 15" in merged  # a true conflict keeps ours ...
    assert 'title = "Tape diagrams!"' in merged and 'id = "kims"' in merged  # both kept
    assert "(Kim)" in merged  # comments survive
    conflicts = read_conflicts(kim / ".git" / "playlist-tui")
    assert [(c["file"], c["where"], c["ours"], c["theirs"]) for c in conflicts] == \
        [(path, "tiers[core].activities[video].minutes", "15", "12")]
    assert conflicts[0].get("theirs_by") == "Ms Lee"  # ... and offers theirs, with who
    assert "1 value was changed on both sides" in result.message
    assert GitRepo(lee).sync().ok
    assert (lee / path).read_text() == merged


def test_a_broken_class_file_is_not_committed(remote: Path, tmp_path: Path) -> None:
    ana = clone(remote, tmp_path / "ana", "ana")
    (ana / ANA).write_text("[ticks\n")
    before = head(ana)
    result = GitRepo(ana).sync()
    assert not result.ok and f"{ANA}:1:" in result.message
    assert head(ana) == before and (ana / ANA).read_text() == "[ticks\n"


def test_no_remote(small_class: Path) -> None:
    ClassStore(small_class).apply(ops.Tick(student="ana", playlist="ratios", activity="tape"))
    result = GitRepo(small_class).sync()
    assert not result.ok and result.committed == 1
    assert "no remote" in result.message and "git remote add" in result.message
    assert GitRepo(small_class).status().has_remote is False


# --------------------------------------------------------------------------- preflight


def assert_refused(repo: Path, words: str) -> None:
    before = (head(repo) if git(repo, "rev-parse", "-q", "--verify", "HEAD") else "",
              snapshot(repo), refs(repo), git(repo, "status", "--porcelain"))
    result = GitRepo(repo).sync()
    assert not result.ok
    assert words in result.message and "Nothing was changed" in result.message
    after = (head(repo), snapshot(repo), refs(repo), git(repo, "status", "--porcelain"))
    assert after == before
    assert GitRepo(repo).status().problem is not None


def conflicting_readme(remote: Path, tmp_path: Path) -> Path:
    """A clone with a local README commit that conflicts with one on the remote."""
    other = clone(remote, tmp_path / "other", "kim")
    (other / "README.md").write_text("theirs\n")
    git(other, "add", "README.md")
    git(other, "commit", "-q", "-m", "kim: readme")
    git(other, "push", "-q")
    lee = clone(remote, tmp_path / "lee", "lee")
    git(lee, "reset", "-q", "--hard", "HEAD~1")
    (lee / "README.md").write_text("ours\n")
    git(lee, "add", "README.md")
    git(lee, "commit", "-q", "-m", "lee: readme")
    return lee


def test_sync_refuses_during_a_rebase(remote: Path, tmp_path: Path) -> None:
    lee = conflicting_readme(remote, tmp_path)
    out = subprocess.run(["git", "-C", str(lee), "rebase", "origin/main"], capture_output=True,
                         check=False)
    assert out.returncode != 0
    ClassStore(lee).apply(ops.Tick(student="ana", playlist="ratios", activity="tape"))
    assert_refused(lee, "a rebase is in progress")
    assert "git rebase --abort" in GitRepo(lee).sync().message


def test_sync_refuses_during_a_merge(remote: Path, tmp_path: Path) -> None:
    lee = conflicting_readme(remote, tmp_path)
    subprocess.run(["git", "-C", str(lee), "merge", "origin/main"], capture_output=True,
                   check=False)
    assert_refused(lee, "a merge is in progress")


def test_sync_refuses_on_a_detached_head(remote: Path, tmp_path: Path) -> None:
    ana = clone(remote, tmp_path / "ana", "ana")
    git(ana, "switch", "-q", "--detach")
    ClassStore(ana).apply(ops.Tick(student="ana", playlist="ratios", activity="tape"))
    assert_refused(ana, "HEAD is detached")


def test_sync_refuses_with_unmerged_files(remote: Path, tmp_path: Path) -> None:
    lee = clone(remote, tmp_path / "lee", "lee")
    (lee / "README.md").write_text("one\n")
    git(lee, "add", "README.md")
    git(lee, "commit", "-q", "-m", "readme")
    (lee / "README.md").write_text("two\n")
    git(lee, "stash", "-q")
    (lee / "README.md").write_text("three\n")
    git(lee, "commit", "-q", "-am", "readme again")
    subprocess.run(["git", "-C", str(lee), "stash", "pop"], capture_output=True, check=False)
    assert_refused(lee, "unresolved conflicts: README.md")


# --------------------------------------------------------------------------- commands


def test_setup_git_is_idempotent_and_keeps_existing_lines(small_class: Path,
                                                          capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    (small_class / ".gitattributes").write_text("*.png binary")
    assert main(["setup-git", str(small_class)]) == 0
    text = (small_class / ".gitattributes").read_text()
    assert text.startswith("*.png binary\n")
    assert all(text.count(line) == 1 for line in ATTRIBUTES)
    driver = git(small_class, "config", f"merge.{DRIVER}.driver").strip()
    assert driver.endswith("merge-driver %O %A %B %P") and driver.startswith("/")
    assert git(small_class, "config", f"merge.{DRIVER}.name").strip()
    assert main(["setup-git", str(small_class)]) == 0
    assert (small_class / ".gitattributes").read_text() == text
    assert "nothing to do" in capsys.readouterr().out
    assert git(small_class, "check-attr", "merge", ANA).strip().endswith(f"merge: {DRIVER}")


def test_sync_command(remote: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ana = clone(remote, tmp_path / "ana", "ana")
    ClassStore(ana).apply(ops.Tick(student="ana", playlist="ratios", activity="tape"))
    assert main(["sync", str(ana)]) == 0
    assert "Synced with origin" in capsys.readouterr().out
    assert git(ana, "log", "-1", "--format=%s") == "Ana Souza: ticked ratios/tape\n"
    assert main(["sync", str(tmp_path)]) == 2
    assert main(["setup-git", str(tmp_path)]) == 2
    git(ana, "remote", "set-url", "origin", str(tmp_path / "gone"))
    ClassStore(ana).apply(ops.Untick(student="ana", playlist="ratios", activity="tape"))
    assert main(["sync", str(ana)]) == 1
    assert "Could not reach origin" in capsys.readouterr().err
