"""Roster management: ``playlist-tui roster`` on a copy of the demo class (hand-written,
with comments), checked with real git: each change is a small diff of class.toml only,
committed, and the class stays valid."""

from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path

import pytest

from playlist_tui.cli import main
from playlist_tui.store import roster_ops as r
from playlist_tui.store.tomltext import EditError
from tests.conftest import DEMO, git, init_repo

KEY = ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl "
       "lee@laptop")


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    folder = tmp_path / "demo"
    shutil.copytree(DEMO, folder)
    return init_repo(folder)


def roster(capsys: pytest.CaptureFixture[str], folder: Path, *args: str
           ) -> tuple[int, str, str]:
    code = main(["roster", *args, "-C", str(folder)])
    out = capsys.readouterr()
    return code, out.out, out.err


def last_commit(folder: Path) -> tuple[str, list[str], tuple[int, int]]:
    """(subject, files, (added, removed) in class.toml) of the last commit."""
    subject = git(folder, "log", "-1", "--format=%s").strip()
    files = git(folder, "show", "--name-only", "--format=", "HEAD").split()
    stat = git(folder, "show", "--numstat", "--format=", "HEAD", "--", "class.toml").split()
    return subject, files, (int(stat[0]), int(stat[1])) if stat else (0, 0)


def data(folder: Path) -> dict[str, object]:
    return tomllib.loads((folder / "class.toml").read_text())


def comments(folder: Path) -> list[str]:
    return [line for line in (folder / "class.toml").read_text().splitlines()
            if line.lstrip().startswith("#")]


def valid(folder: Path, capsys: pytest.CaptureFixture[str]) -> bool:
    code = main(["validate", str(folder), "--no-cache"])
    out = capsys.readouterr()
    assert code == 0, out.out
    return True


def test_add_a_student_is_one_block_committed(demo: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    before = comments(demo)
    code, out, err = roster(capsys, demo, "add", "student", "Léa Martin", "--email",
                            "lea.martin@students.cedar-ms.example")
    assert code == 0, err
    assert "Added student lea-martin (Léa Martin): class.toml, 5 lines added, 0 removed" in out
    subject, files, stat = last_commit(demo)
    assert files == ["class.toml"] and stat == (5, 0)
    assert subject == "Test: added student lea-martin"  # (git's user name: not in the roster)
    assert comments(demo) == before
    students = data(demo)["students"]
    assert isinstance(students, list) and students[-1] == {
        "id": "lea-martin", "name": "Léa Martin",
        "emails": ["lea.martin@students.cedar-ms.example"]}
    # the block is after the last student, before the groups' comments
    text = (demo / "class.toml").read_text()
    assert text.index('id = "lea-martin"') < text.index("--------------- groups")
    assert valid(demo, capsys)


def test_a_teacher_in_the_roster_commits_as_themselves(demo: Path,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    git(demo, "config", "user.email", "j.lee@cedar-ms.example")
    assert roster(capsys, demo, "add", "teacher", "Ana Ruiz", "--email", "a.ruiz@x.org")[0] == 0
    assert last_commit(demo)[0] == "lee: added teacher ana-ruiz"


def test_edit_changes_only_the_lines_that_change(demo: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = roster(capsys, demo, "edit", "student", "nadia-petrov", "--add-email",
                          "nadia@home.example")
    assert code == 0, err
    assert last_commit(demo)[1:] == (["class.toml"], (1, 1))
    code, _, err = roster(capsys, demo, "edit", "teacher", "lee", "--signing-key", KEY)
    assert code == 0, err
    assert last_commit(demo)[1:] == (["class.toml"], (1, 0))
    code, _, _ = roster(capsys, demo, "edit", "teacher", "lee", "--no-signing-key")
    assert code == 0 and last_commit(demo)[1:] == (["class.toml"], (0, 1))
    code, out, _ = roster(capsys, demo, "edit", "teacher", "lee", "--name", "Ms. Lee")
    assert code == 0 and "nothing to change" in out
    code, _, _ = roster(capsys, demo, "edit", "class", "--name", "Team Cedar 2027")
    assert code == 0 and last_commit(demo)[1:] == (["class.toml"], (1, 1))
    assert data(demo)["name"] == "Team Cedar 2027"
    # the comment inside Nadia's block is still there
    assert "# Joined Team Cedar on 2026-11-16 (transfer from Riverside MS)." in comments(demo)
    assert valid(demo, capsys)


@pytest.mark.parametrize(("args", "message"), [
    (("add", "student", "Ana Souza"), "there is already a student with the id 'ana-souza'"),
    (("add", "student", "X", "--id", "a/b"), "path separator"),
    (("add", "student", "X", "--email", "not-an-email"), "is not an email address"),
    (("add", "teacher", "X", "--signing-key", "hello"), "not an SSH public key"),
    (("edit", "student", "nobody", "--name", "N"), "there is no student with the id 'nobody'"),
    (("edit", "student", "ana-souza", "--remove-email", "x@y.z"), "has no email 'x@y.z'"),
    (("edit", "student", "ana-souza", "--new-id", "ana"), "never changes"),
    (("add", "group", "G", "--member", "nobody"), "there is no student with the id 'nobody'"),
    (("edit", "group", "advisory-a", "--new-id", "advisory-b"), "already a group"),
    (("remove", "group", "nope"), "there is no group with the id 'nope'"),
    (("edit", "class"), "roster edit class --name"),
])
def test_bad_input_is_refused_in_words_and_nothing_changes(
        demo: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...],
        message: str) -> None:
    code, out, err = roster(capsys, demo, *args)
    assert code == 2
    assert message in err and "Traceback" not in err + out
    assert git(demo, "status", "--porcelain") == ""
    assert len(git(demo, "log", "--format=%h").split()) == 1


def test_the_last_teacher_cannot_be_removed(small_class: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = roster(capsys, small_class, "remove", "teacher", "lee")
    assert code == 2 and "only teacher" in err


def test_removing_a_student_keeps_their_folder_unless_asked(
        demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = roster(capsys, demo, "remove", "student", "nadia-petrov")
    assert code == 0, err
    assert "Kept students/nadia-petrov/" in out and "--delete-files" in out
    assert (demo / "students/nadia-petrov/student.toml").exists()
    _, files, (added, removed) = last_commit(demo)
    assert files == ["class.toml"]
    # her block (with the comment inside it) and her name in advisory-a's members
    assert removed - added == 6 and added <= 2, (added, removed)
    info = data(demo)
    assert "nadia-petrov" not in json.dumps(info)
    # Priya is the only target of one assignment: it goes (with its comment); her folder
    # goes too when asked.
    code, out, _ = roster(capsys, demo, "remove", "student", "priya-raman", "--delete-files")
    assert code == 0 and "Deleted students/priya-raman/" in out
    _, files, _ = last_commit(demo)
    assert sorted(files) == ["class.toml", "students/priya-raman/student.toml",
                             "students/priya-raman/teacher.toml"]
    assert not (demo / "students/priya-raman").exists()
    text = (demo / "class.toml").read_text()
    assert "Priya" not in text and "priya-raman" not in text
    # the files of a removed student are now reported (not in the roster)... unless gone
    code = main(["validate", str(demo), "--no-cache"])
    out2 = capsys.readouterr().out
    assert "students/priya-raman" not in out2
    assert code == 1 and "nadia-petrov" in out2  # her kept folder is flagged, not lost


def test_groups_made_renamed_edited_deleted(demo: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = roster(capsys, demo, "add", "group", "Reading club", "--member",
                            "ana-souza", "--member", "ravi-patel")
    assert code == 0, err
    assert "Made group reading-club" in out and last_commit(demo)[2] == (5, 0)
    code, _, _ = roster(capsys, demo, "edit", "group", "reading-club", "--add", "mei-chen",
                        "--remove", "ana-souza", "--name", "Reading club (Fri)")
    assert code == 0 and last_commit(demo)[2] == (2, 2)
    groups = {g["id"]: g for g in data(demo)["groups"]}  # type: ignore[attr-defined]
    assert groups["reading-club"]["members"] == ["ravi-patel", "mei-chen"]
    # a new id: the assignment of counterclaims to advisory-a follows it
    code, _, _ = roster(capsys, demo, "edit", "group", "advisory-a", "--new-id", "adv-a")
    assert code == 0 and last_commit(demo)[2] == (2, 2)
    assert {"playlist": "counterclaims", "groups": ["adv-a"]} in data(demo)["assignments"]  # type: ignore[operator]
    assert valid(demo, capsys)
    # deleting it removes the assignment that was only for it; the students stay
    code, _, _ = roster(capsys, demo, "remove", "group", "adv-a")
    assert code == 0
    info = data(demo)
    assert "adv-a" not in json.dumps(info)
    assert len(info["students"]) == 25  # type: ignore[arg-type]
    assert "# Joined Team Cedar on 2026-11-16 (transfer from Riverside MS)." in comments(demo)
    assert valid(demo, capsys)


def test_list_text_and_json(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = roster(capsys, demo, "list")
    assert code == 0 and "Students (25):" in out and "Groups (3):" in out
    code, out, _ = roster(capsys, demo, "list", "--format", "json")
    listed = json.loads(out)
    assert code == 0 and len(listed["students"]) == 25
    assert listed["students"][0]["groups"] == ["advisory-a"]


def test_no_commit_and_not_a_repository(small_copy: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = roster(capsys, small_copy, "add", "student", "Dee Diaz")
    assert code == 0 and "not a git repository" in out
    assert "dee-diaz" in (small_copy / "class.toml").read_text()


def test_not_a_class_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = roster(capsys, tmp_path, "list")
    assert code == 2 and "playlist-tui init" in err


def test_the_first_student_of_a_new_class_goes_before_its_groups() -> None:
    text = ('format = 1\nname = "C"\n\n[[teachers]]\nid = "t"\nname = "T"\n\n'
            '# groups\n\n[[groups]]\nid = "g"\nname = "G"\n')
    out = r.AddPerson(role="student", id="s", name="S").edit(text)
    assert out == ('format = 1\nname = "C"\n\n[[teachers]]\nid = "t"\nname = "T"\n\n'
                   '[[students]]\nid = "s"\nname = "S"\nemails = []\n\n'
                   '# groups\n\n[[groups]]\nid = "g"\nname = "G"\n')
    with pytest.raises(EditError, match="already a student"):
        r.AddPerson(role="teacher", id="s", name="S").edit(out)


# --------------------------------------------------------------------------- the app


async def test_the_roster_screen_each_change_one_small_diff(small_class: Path) -> None:
    """Teachers manage the roster in the app (R on the dashboard): each action is one
    small diff of class.toml, and the comment at the top of the file stays."""
    from textual.widgets import DataTable, Input, TextArea

    from playlist_tui.ui.app import PlaylistApp
    from playlist_tui.ui.screens.roster import RosterScreen
    from tests.conftest import changes
    from tests.test_student_app import settle

    def step(expected: tuple[int, int]) -> None:
        assert changes(small_class) == {"class.toml": expected}
        git(small_class, "commit", "-qam", "step")

    app = PlaylistApp(small_class, role="teacher", person="lee", watch=False,
                      autocommit=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("R")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RosterScreen)
        table = screen.query_one(DataTable)
        assert table.row_count == 1 + 3 + 1  # lee; ana, ben, cy; table-1

        await pilot.press("s")  # add a student
        await pilot.pause()
        app.screen.query_one("#field-name", Input).value = "Dee Diaz"
        app.screen.query_one("#field-emails", Input).value = "dee@students.example"
        await pilot.press("ctrl+s")
        await settle(pilot)
        step((5, 0))

        table.move_cursor(row=2)  # ben: edit his name and give him an email
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("#field-name", Input).value = "Ben O."
        app.screen.query_one("#field-emails", Input).value = "ben@students.example"
        await pilot.press("ctrl+s")
        await settle(pilot)
        step((2, 1))

        await pilot.press("g")  # make a group
        await pilot.pause()
        app.screen.query_one("#field-name", Input).value = "Table 2"
        app.screen.query_one("#field-members", TextArea).text = "cy dee-diaz"
        await pilot.press("ctrl+s")
        await settle(pilot)
        step((5, 0))

        rows = [row[:2] for row in screen.rows()]
        table.move_cursor(row=rows.index(("group", "table-1")))  # rename and edit a group
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("#field-name", Input).value = "Table one"
        app.screen.query_one("#field-members", TextArea).text = "ana"
        await pilot.press("ctrl+s")
        await settle(pilot)
        step((2, 2))

        rows = [row[:2] for row in screen.rows()]
        table.move_cursor(row=rows.index(("student", "cy")))  # remove a student
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert changes(small_class)["class.toml"][1] >= 4
        git(small_class, "commit", "-qam", "step")

        await pilot.press("c")  # rename the class
        await pilot.pause()
        app.screen.query_one("#field-name", Input).value = "Class 6B (2027)"
        await pilot.press("ctrl+s")
        await settle(pilot)
        step((1, 1))
    text = (small_class / "class.toml").read_text()
    assert text.startswith("# A small class for the tests. Hand-written: comments must")
    info = tomllib.loads(text)
    assert [s["id"] for s in info["students"]] == ["ana", "ben", "dee-diaz"]
    assert info["groups"][1] == {"id": "table-2", "name": "Table 2", "members": ["dee-diaz"]}
    from playlist_tui.store.loader import load_class

    problems = load_class(small_class).problems  # only Cy's kept folder, as roster says
    assert problems and {p.path.split("/")[1] for p in problems} == {"cy"}
