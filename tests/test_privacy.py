"""Privacy mode: a repository per student (docs/privacy.md).

Against local bare repositories here; against a real gitolite server behind OpenSSH in
tests/test_gitolite.py.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from playlist_tui.store import ops
from playlist_tui.store.gitcmd import GitError
from playlist_tui.store.gitrepo import GitRepo
from playlist_tui.store.store import ClassStore
from playlist_tui.store.workspace import (
    BACKUP_REF,
    Workspace,
    migrate,
    open_repo,
    privacy_template,
    student_git_dir,
    student_url,
)
from tests.conftest import git
from tests.gitutil import clone, identify, seed_class


def test_student_addresses_resolve_like_submodules() -> None:
    assert student_url("../math6-students/{id}", "ana", "ssh://git@host:2222/math6") == \
        "ssh://git@host:2222/math6-students/ana"
    assert student_url("../s/{id}.git", "ana", "git@host:school/math6.git") == \
        "git@host:school/s/ana.git"
    assert student_url("../s/{id}", "ana", "git@host:math6") == "git@host:s/ana"
    assert student_url("./students/{id}", "ana", "/srv/git/math6.git") == \
        "/srv/git/math6/students/ana"
    assert student_url("/srv/{id}.git", "ana", None) == "/srv/ana.git"
    with pytest.raises(GitError):
        student_url("../{id}", "ana", None)


def bare(path: Path) -> Path:
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(path)], check=True)
    return path


def ticks(folder: Path, student: str) -> set[str]:
    path = folder / f"students/{student}/student.toml"
    return set(tomllib.loads(path.read_text()).get("ticks", {})) if path.exists() else set()


class Privacy:
    """The small class moved into privacy mode, with its remotes on this machine."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp = tmp_path
        old_remote, self.seed = seed_class(tmp_path)
        lee_old = clone(old_remote, tmp_path / "lee-old", "lee")
        ClassStore(lee_old).apply(ops.Tick("ana", "ratios", "history"))
        assert GitRepo(lee_old).sync().ok
        self.students = ["ana", "ben", "cy"]
        self.server = tmp_path / "server"
        self.server.mkdir()
        self.class_remote = bare(self.server / "math6.git")
        for sid in self.students:
            bare(self.server / "math6-students" / f"{sid}.git")
        self.template = "../math6-students/{id}.git"
        self.report = migrate(lee_old, self.template, str(self.class_remote))
        result = open_repo(lee_old).sync()
        assert result.ok, result.message
        self.lee = lee_old

    def clone(self, name: str, person: str) -> Path:
        dest = clone(self.class_remote, self.tmp / name, person)
        result = open_repo(dest).sync()
        assert result.ok, result.message
        return dest


@pytest.fixture
def privacy(tmp_path: Path) -> Privacy:
    return Privacy(tmp_path)


def test_migration_keeps_each_students_history_and_nothing_else(privacy: Privacy) -> None:
    assert privacy.report.students == ["ana", "ben", "cy"]
    assert privacy_template(privacy.lee) == privacy.template
    # the class repository's history holds no student file, in any commit
    names = git(privacy.class_remote, "log", "--all", "--name-only", "--format=")
    assert "students/" not in names
    assert "class.toml" in names
    # each student's repository holds only that student's files, with their history
    ana = privacy.server / "math6-students/ana.git"
    files = set(git(ana, "log", "--all", "--name-only", "--format=").split())
    assert files <= {"students/ana/student.toml", "students/ana/teacher.toml"}
    subjects = git(ana, "log", "--format=%an: %s", "main")
    assert "ticked ratios/history" in subjects
    # the old history is kept in the clone, nothing lost
    assert git(privacy.lee, "rev-parse", BACKUP_REF).strip()
    # the teacher's folder still has every student's files, and loads the same
    assert "ratios/history" in ticks(privacy.lee, "ana")
    result = ClassStore(privacy.lee).load()
    assert not [p for p in result.problems if p.severity == "error"]


def test_a_students_clone_holds_only_their_own_record(privacy: Privacy) -> None:
    ana = privacy.clone("ana", "ana")
    assert sorted(p.name for p in (ana / "students").iterdir()) == ["ana"]
    assert "ratios/history" in ticks(ana, "ana")
    assert not (ana / "students/ben").exists()
    ws = open_repo(ana)
    assert isinstance(ws, Workspace) and ws.present() == ["ana"]


def test_the_daily_loop_works_in_privacy_mode(privacy: Privacy) -> None:
    ana = privacy.clone("ana", "ana")
    tablet = privacy.clone("ana-tablet", "ana")
    ClassStore(ana).apply(ops.Tick("ana", "ratios", "laptop"))
    ClassStore(tablet).apply(ops.Tick("ana", "ratios", "tablet"))
    assert open_repo(ana).sync().ok
    result = open_repo(tablet).sync()  # the merge driver merges her file by meaning
    assert result.ok, result.message
    assert open_repo(ana).sync().ok
    assert {"ratios/laptop", "ratios/tablet"} <= ticks(ana, "ana")
    # the teacher sees it, and decides; the student sees the decision
    assert open_repo(privacy.lee).sync().ok
    assert {"ratios/laptop", "ratios/tablet"} <= ticks(privacy.lee, "ana")
    from playlist_tui.model.files import Result

    ClassStore(privacy.lee).apply(ops.RecordDecision(
        student="ana", result=Result.NOT_YET, by="lee", competency="RP.1",
        feedback="Show the table"))
    assert open_repo(privacy.lee).sync().ok
    assert open_repo(ana).sync().ok
    assert "Show the table" in (ana / "students/ana/teacher.toml").read_text()
    # the teacher's commit went to ana's repository, not to the class repository
    assert "students/" not in git(privacy.class_remote, "log", "--all", "--name-only",
                                  "--format=")
    # history of a student comes from their own repository
    events = open_repo(privacy.lee).history(student="ana")
    assert any("laptop" in e.text or "laptop" in e.summary for e in events)


def test_a_teacher_syncs_thirty_student_repositories(tmp_path: Path) -> None:
    _remote, seed = seed_class(tmp_path)
    extra = "".join(f'\n[[students]]\nid = "s{k:02d}"\nname = "Student {k}"\n'
                    for k in range(27))
    (seed / "class.toml").write_text((seed / "class.toml").read_text() + extra)
    git(seed, "commit", "-qam", "lee: 27 more students")
    server = tmp_path / "server"
    (server / "s").mkdir(parents=True)
    class_remote = bare(server / "math6.git")
    ids = ["ana", "ben", "cy", *(f"s{k:02d}" for k in range(27))]
    for sid in ids:
        bare(server / "s" / f"{sid}.git")
    migrate(seed, "../s/{id}.git", str(class_remote))
    first = open_repo(seed).sync()
    assert first.ok, first.message
    lee = clone(class_remote, tmp_path / "lee", "lee")
    result = open_repo(lee).sync()
    assert result.ok, result.message
    ws = open_repo(lee)
    assert isinstance(ws, Workspace) and ws.present() == sorted(ids)
    for sid in ("s03", "s17", "ana"):
        ClassStore(lee).apply(ops.Tick(sid, "ratios", "thirty"))
    again = ws.sync()
    assert again.ok and again.pushed == 3, again.message
    assert "30 student records" in again.message


def test_a_failing_student_repository_is_named_and_the_rest_sync(privacy: Privacy) -> None:
    lee2 = privacy.clone("lee2", "lee")
    ben_remote = privacy.server / "math6-students/ben.git"
    ben_remote.rename(ben_remote.with_suffix(".gone"))
    ClassStore(lee2).apply(ops.Tick("cy", "ratios", "video"))
    ClassStore(lee2).apply(ops.Tick("ben", "ratios", "video"))
    result = open_repo(lee2).sync()
    assert not result.ok
    assert "ben's repository" in result.message and "cy's" not in result.message
    assert "ratios/video" in ticks(privacy.lee, "cy") or open_repo(privacy.lee).sync()
    assert "ratios/video" in ticks(lee2, "ben")  # kept here, sent next time


def test_sync_refuses_privacy_mode_before_migration(tmp_path: Path) -> None:
    _remote, seed = seed_class(tmp_path)
    (seed / "class.toml").write_text((seed / "class.toml").read_text()
                                     + '\n[repositories]\nstudents = "../s/{id}"\n')
    result = open_repo(seed).sync()
    assert not result.ok and "privacy migrate" in result.message


def test_student_git_folders_live_inside_the_class_repository(privacy: Privacy) -> None:
    ana_git = student_git_dir(privacy.lee, "ana")
    assert ana_git.is_relative_to(privacy.lee / ".git")
    identify(privacy.lee, "lee")
    # the class repository ignores students/, the student repository everything else
    assert git(privacy.lee, "status", "--porcelain").strip() == ""


# ------------------------------------------------------- the audit, a second line of defence
# A student's own repository holds no roster: what it brings is judged by the class
# repository's (docs/privacy.md, "Who may write what").


def _commit_in_own_repository(folder: Path, student: str, path: str, text: str,
                              person: str, message: str) -> None:
    """Commit ``path`` straight into ``student``'s own repository with plain git, as a
    student testing limits would (no app, no rules), and push it."""
    git_dir = student_git_dir(folder, student)
    (folder / path).parent.mkdir(parents=True, exist_ok=True)
    (folder / path).write_text(text)
    env = {"GIT_DIR": str(git_dir), "GIT_WORK_TREE": str(folder)}
    from tests.gitutil import EMAILS

    for args in (["add", "-f", "--", path],
                 ["-c", f"user.name={person}", "-c", f"user.email={EMAILS[person]}",
                  "-c", "commit.gpgsign=false", "commit", "-qm", message],
                 ["push", "-q", "origin", "HEAD:main"]):
        subprocess.run(["git", *args], cwd=folder, env={**_env(), **env}, check=True,
                       capture_output=True)


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}


def test_a_decision_forged_in_a_students_own_repository_is_not_merged(privacy: Privacy
                                                                      ) -> None:
    ana = privacy.clone("ana", "ana")
    forged = (ana / "students/ana/teacher.toml").read_text() if (
        ana / "students/ana/teacher.toml").exists() else ""
    forged += ('\n[[decisions]]\ncompetency = "RP.1"\nresult = "mastered"\nby = "lee"\n'
               'at = 2026-12-01T09:00:00Z\n')
    # the plain bare remote has no server rules: only the audit stands in the way
    _commit_in_own_repository(ana, "ana", "students/ana/teacher.toml", forged, "ana",
                              "lee: mastered RP.1")
    teachers_file = privacy.lee / "students/ana/teacher.toml"
    result = open_repo(privacy.lee).sync()
    assert not result.ok
    assert "ana's repository" in result.message
    assert "only teachers may write it" in result.message
    assert not teachers_file.exists() or "mastered" not in teachers_file.read_text()
    # the teacher can see it with the audit, by the class repository's roster
    out = subprocess.run(
        [sys.executable, "-m", "playlist_tui", "audit", str(privacy.server /
         "math6-students/ana.git"), "--student", "ana", "--roster-from",
         str(privacy.class_remote)], capture_output=True, text=True, check=False)
    assert out.returncode == 1, out.stderr
    assert "students/ana/teacher.toml: this file holds teachers' decisions" in out.stdout


def test_another_students_file_in_a_students_repository_is_not_merged(privacy: Privacy
                                                                      ) -> None:
    ana = privacy.clone("ana", "ana")
    _commit_in_own_repository(ana, "ana", "students/ben/student.toml",
                              'ticks = {}\n', "ana", "ana: a file for ben")
    result = open_repo(privacy.lee).sync()
    assert not result.ok
    assert "only the files of students/ana/ belong in it" in result.message
    assert not (privacy.lee / "students/ben/student.toml").read_text().startswith("ticks")


def test_the_audit_of_an_honest_students_repository_is_clean(privacy: Privacy) -> None:
    ana = privacy.clone("ana", "ana")
    remote = privacy.server / "math6-students/ana.git"
    moved = git(remote, "rev-parse", "main").strip()
    ClassStore(ana).apply(ops.Tick("ana", "ratios", "video"))
    assert open_repo(ana).sync().ok
    from playlist_tui.model.files import Result

    ClassStore(privacy.lee).apply(ops.RecordDecision(
        student="ana", result=Result.NOT_YET, by="lee", competency="RP.1",
        feedback="Show the table"))
    assert open_repo(privacy.lee).sync().ok  # merged: the student's own file
    # what came after the move (the moved history has a tick Ms Lee made in Ana's file)
    out = subprocess.run(
        [sys.executable, "-m", "playlist_tui", "audit", str(remote), "--since", moved,
         "--student", "ana", "--roster-from", str(privacy.class_remote)],
        capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "no violations" in out.stderr
    # the whole history: the first commit (Ms Lee's, the class) may hold Ana's files; the
    # tick Ms Lee made in Ana's own file before the move is the one thing reported
    whole = subprocess.run(
        [sys.executable, "-m", "playlist_tui", "audit", str(remote), "--student", "ana",
         "--roster-from", str(privacy.class_remote)], capture_output=True, text=True,
        check=False)
    assert whole.returncode == 1
    assert whole.stdout.count("\n") == 1, whole.stdout
    assert "only Ana Souza may write their own file" in whole.stdout
    usage = subprocess.run([sys.executable, "-m", "playlist_tui", "audit", str(privacy.lee),
                            "--student", "ana"], capture_output=True, text=True, check=False)
    assert usage.returncode == 2 and "--roster-from" in usage.stderr


def test_the_servers_hook_judges_a_students_push_by_the_class_roster(privacy: Privacy
                                                                     ) -> None:
    """The hook of 'playlist-tui server hook', installed on the students' repositories of
    a server (here a folder; gitolite gives GL_REPO and GL_USER the same way)."""
    hook_text = subprocess.run([sys.executable, "-m", "playlist_tui", "server", "hook"],
                               capture_output=True, text=True, check=True).stdout
    for sid in privacy.students:
        hook = privacy.server / "math6-students" / f"{sid}.git" / "hooks" / "pre-receive"
        hook.write_text(hook_text)
        hook.chmod(0o755)
    ana = privacy.clone("ana", "ana")
    import os

    os.environ["GL_REPO"], os.environ["GL_USER"] = "math6-students/ana", "ana"
    try:
        ClassStore(ana).apply(ops.Tick("ana", "ratios", "worksheet"))
        honest = open_repo(ana).sync()
        assert honest.ok, honest.message
        with pytest.raises(subprocess.CalledProcessError) as refused:
            _commit_in_own_repository(ana, "ana", "students/ana/teacher.toml",
                                      'note = "forged"\n', "ana", "ana: forged")
        assert b"this file holds teachers' decisions" in refused.value.stderr
        assert b"push to refs/heads/main refused" in refused.value.stderr
    finally:
        del os.environ["GL_REPO"], os.environ["GL_USER"]
    remote_log = git(privacy.server / "math6-students/ana.git", "log", "--format=%s", "main")
    assert "forged" not in remote_log


def test_history_log_and_review_read_the_students_repositories(privacy: Privacy) -> None:
    ana = privacy.clone("ana", "ana")
    ClassStore(ana).apply(ops.Tick("ana", "ratios", "from-home"))
    assert open_repo(ana).sync().ok
    synced = open_repo(privacy.lee).sync()
    assert synced.ok, synced.message
    ws = open_repo(privacy.lee)
    # the whole class's history has the students' events, not only the class's
    assert any("from-home" in e.line() for e in ws.history())
    # the log command, for one student and for the class
    for extra in (["--student", "ana"], []):
        out = subprocess.run([sys.executable, "-m", "playlist_tui", "log", str(privacy.lee),
                              *extra], capture_output=True, text=True, check=False)
        assert out.returncode == 0, out.stderr
        assert "from-home" in out.stdout, out.stdout + out.stderr
    # what the last sync brought in: Ana's commit, from her repository
    review = ws.review("ORIG_HEAD..HEAD")
    assert any("from-home" in e.line() for e in review.events), review.text()
    assert "students/ana/student.toml" in review.diff
    # a sync that brings nothing: the review says so (not an older sync's work)
    assert ws.sync().ok
    assert not ws.review("ORIG_HEAD..HEAD").commits


def test_a_failing_repository_is_said_once_and_plainly(privacy: Privacy) -> None:
    ben_remote = privacy.server / "math6-students/ben.git"
    ben_remote.rename(ben_remote.with_suffix(".gone"))
    result = open_repo(privacy.lee).sync()
    assert not result.ok
    assert ".." not in result.message, result.message
    assert result.message.count("Nothing was lost") == 1, result.message
    assert "ben's repository" in result.message


def test_a_students_clone_reports_others_as_absent_not_as_not_started(privacy: Privacy
                                                                      ) -> None:
    ana = privacy.clone("ana", "ana")
    one = subprocess.run([sys.executable, "-m", "playlist_tui", "report", str(ana),
                          "--student", "ben", "--format", "md"], capture_output=True,
                         text=True, check=False)
    assert one.returncode == 2
    assert "Ben Okafor's record is not in this clone" in one.stderr
    assert "not started" not in one.stdout
    whole = subprocess.run([sys.executable, "-m", "playlist_tui", "report", str(ana),
                            "--format", "csv"], capture_output=True, text=True, check=False)
    assert whole.returncode == 0, whole.stderr
    assert "2 students left out" in whole.stderr
    assert "ben" not in whole.stdout and "ana" in whole.stdout
