"""Starting a class: ``init`` (flags and the form), ``demo``, what the app says without a
class folder, did-you-mean, examples in --help, and the completion scripts."""

from __future__ import annotations

import os
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from playlist_tui.cli import COMMANDS, main
from playlist_tui.store.newclass import Plan, Teacher
from playlist_tui.ui.init_form import InitFormApp
from tests.conftest import git

FLAGS = ["--name", "Grade 6 Math", "--teacher-name", "Jane Lee", "--teacher-email",
         "j.lee@school.org"]


@pytest.fixture(autouse=True)
def git_identity(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A user's git settings of their own (not the machine's)."""
    config = tmp_path / "gitconfig"
    config.write_text("[user]\n\tname = Jane Lee\n\temail = j.lee@school.org\n"
                      "[commit]\n\tgpgsign = false\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_init_with_flags_makes_a_valid_committed_class(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "math6"
    code, out, err = run(capsys, "init", str(folder), *FLAGS, "--co-teacher",
                         "Dan Okafor:d.okafor@school.org")
    assert code == 0, err
    assert "first commit" in out and "roster add student" in out
    info = tomllib.loads((folder / "class.toml").read_text())
    assert info == {"format": 1, "name": "Grade 6 Math", "teachers": [
        {"id": "jane-lee", "name": "Jane Lee", "emails": ["j.lee@school.org"]},
        {"id": "dan-okafor", "name": "Dan Okafor", "emails": ["d.okafor@school.org"]}]}
    assert (folder / "frameworks/.gitkeep").exists() and (folder / "playlists/.gitkeep").exists()
    assert ".playlist-tui-tmp" in (folder / ".gitignore").read_text()
    assert "merge=playlist-tui" in (folder / ".gitattributes").read_text()
    assert git(folder, "config", "merge.playlist-tui.driver").strip().endswith(
        "merge-driver %O %A %B %P")
    assert git(folder, "status", "--porcelain") == ""  # everything is in the first commit
    assert git(folder, "log", "--format=%s") == "jane-lee: started the class Grade 6 Math\n"
    code, _, err = run(capsys, "validate", str(folder))
    assert code == 0 and "no problems" in err
    # then roster add: the first student is a small diff of class.toml
    code, _, err = run(capsys, "roster", "add", "student", "Ana Souza", "--email",
                       "ana@school.org", "-C", str(folder))
    assert code == 0, err
    assert git(folder, "log", "-1", "--format=%s").strip() == "jane-lee: added student ana-souza"
    assert git(folder, "show", "--numstat", "--format=", "HEAD").split() == [
        "5", "0", "class.toml"]
    assert run(capsys, "validate", str(folder))[0] == 0


def test_init_never_overwrites_a_class(small_class: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    before = (small_class / "class.toml").read_bytes()
    code, out, err = run(capsys, "init", str(small_class), *FLAGS)
    assert code == 2 and "never overwrites" in err and out == ""
    assert (small_class / "class.toml").read_bytes() == before
    assert git(small_class, "status", "--porcelain") == ""


def test_init_in_an_existing_repository_and_current_folder(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    git(tmp_path, "init", "-q")
    (tmp_path / "notes.txt").write_text("mine\n")
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "init", "--yes")  # the folder's name; git config's teacher
    assert code == 0, err
    assert "git init" not in out
    assert tomllib.loads((tmp_path / "class.toml").read_text())["name"] == tmp_path.name
    assert "notes.txt" in git(tmp_path, "status", "--porcelain")  # not committed by init


@pytest.mark.parametrize(("args", "message"), [
    (["--teacher-name", "J"], "missing --name"),
    ([*FLAGS, "--co-teacher", "Dan"], "write it as NAME:EMAIL"),
    ([*FLAGS[:4], "--teacher-email", "nope"], "is not an email address"),
    ([*FLAGS, "--teacher-id", "a b"], "teacher id"),
    (["--name", "A\nB", "--teacher-name", "J"], "one line"),
])
def test_init_refuses_bad_input_in_words(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         args: list[str], message: str) -> None:
    code, _, err = run(capsys, "init", str(tmp_path / "c"), *args)
    assert code == 2 and message in err and "Traceback" not in err
    assert not (tmp_path / "c" / "class.toml").exists()


async def test_the_init_form_asks_and_gives_the_plan(tmp_path: Path) -> None:
    """The form prefilled with git's identity: type the class's name and a co-teacher,
    ctrl+s; the plan made from it makes a class that validates."""
    from textual.widgets import Input, TextArea

    from playlist_tui.store.loader import load_class
    from playlist_tui.store.newclass import make_class

    app = InitFormApp(tmp_path / "c", Plan("", [Teacher("jane-lee", "Jane Lee",
                                                        "j.lee@school.org")]))
    async with app.run_test() as pilot:
        await pilot.pause()
        await pilot.press("ctrl+s")  # no name yet: refused, marked under the field
        await pilot.pause()
        assert "the class needs a name" in str(app.screen.query_one("#err-name").render())
        app.screen.query_one("#field-name", Input).value = "Room 12"
        app.screen.query_one("#field-co_teachers", TextArea).text = "Dan Okafor: d@x.org"
        await pilot.press("ctrl+s")
        await pilot.pause()
    plan = app.return_value
    assert plan == Plan("Room 12", [Teacher("jane-lee", "Jane Lee", "j.lee@school.org"),
                                    Teacher("dan-okafor", "Dan Okafor", "d@x.org")])
    made = make_class(tmp_path / "c", plan)
    assert made.commit and load_class(tmp_path / "c").problems == []


async def test_the_init_form_can_be_cancelled(tmp_path: Path) -> None:
    app = InitFormApp(tmp_path, Plan("X", []))
    async with app.run_test() as pilot:
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
    assert app.return_value is None


def test_demo_copies_the_demo_into_a_class_of_its_own(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "try"
    code, out, err = run(capsys, "demo", str(folder), "--no-open")
    assert code == 0, err
    assert "Copied the demo class" in out
    assert git(folder, "status", "--porcelain") == ""
    assert git(folder, "rev-parse", "--show-toplevel").strip() == str(folder.resolve())
    assert git(folder, "config", "merge.playlist-tui.driver").strip() != ""
    code, _, err = run(capsys, "validate", str(folder))
    assert code == 0 and "25 students" in err
    code, _, err = run(capsys, "demo", str(folder), "--no-open")
    assert code == 2 and "not empty" in err


def test_without_a_class_folder_the_app_says_what_to_do(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEXTUAL_DRIVER", "headless")  # (as if in a terminal)
    monkeypatch.chdir(tmp_path)
    for args in ([], [str(tmp_path)], ["validate"]):
        code, out, err = run(capsys, *args)
        assert code == 2 and out == ""
        assert "playlist-tui init" in err and "playlist-tui demo" in err, err


def test_a_mistyped_command_gets_a_suggestion(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "valdate")
    assert code == 2 and "did you mean 'playlist-tui validate'?" in err
    code, _, err = run(capsys, "xyzzy")
    assert code == 2 and "commands: validate, report" in err


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_help_has_examples(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    out = capsys.readouterr().out
    assert done.value.code == 0
    assert "examples:\n  " in out and "playlist-tui " + command in out.split("examples:")[1]


def complete(script: str, line: str) -> list[str]:
    """What bash completes for ``line`` (the cursor at its end) with ``script``."""
    words = line.split(" ")
    code = (script + "\nCOMP_WORDS=(" + " ".join(f"'{w}'" for w in words) + ")\n"
            f"COMP_CWORD={len(words) - 1}\n_playlist_tui\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n")
    out = subprocess.run(["bash", "-c", code], capture_output=True, text=True, check=True)
    return sorted(w for w in out.stdout.split("\n") if w)


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_bash_completion(capsys: pytest.CaptureFixture[str]) -> None:
    code, script, _ = run(capsys, "completion", "bash")
    assert code == 0
    assert complete(script, "playlist-tui val") == ["validate"]
    assert complete(script, "playlist-tui ro") == ["roster"]
    assert complete(script, "playlist-tui roster ") == ["add", "edit", "list", "remove"]
    assert complete(script, "playlist-tui roster add ") == ["group", "student", "teacher"]
    assert complete(script, "playlist-tui report --format ") == ["csv", "html", "json", "md",
                                                                 "table"]
    assert "--delete-files" in complete(script, "playlist-tui roster remove --")
    assert complete(script, "playlist-tui completion ") == ["bash", "fish", "zsh"]


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_zsh_and_fish_scripts_parse(shell: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, script, _ = run(capsys, "completion", shell)
    assert code == 0 and "roster" in script and "--delete-files" in script.replace(
        "-l delete-files", "--delete-files")
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed: only the script was made")
    out = subprocess.run([shell, "-n"] if shell == "zsh" else [shell, "--no-execute"],
                         input=script, capture_output=True, text=True, check=False,
                         env=dict(os.environ))
    assert out.returncode == 0, out.stderr
