"""Hostile strings: text a student could put in any file or commit, through every output.

Each string of :data:`HOSTILE` is written into many fields of a valid class (names, titles,
goals, reflections, notes, feedback, a request's competency, a tick key, a link, a commit
author) and the class is shown by every command (validate, report as table, CSV, JSON,
Markdown and HTML, log, audit) and by the app under the Pilot. Nothing may crash, no
control character may reach the output, a newline may not forge a line, Markdown and
HTML keep ``<img onerror=...>`` as text, CSV cells are never live formulas.

Also here: the property test of the safe-text functions, the link rule, files that are not
regular files (no hang), the app without a terminal and commands on a closed pipe.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import socket
import stat
import subprocess
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from playlist_tui.cli import PIPE_CLOSED, main
from playlist_tui.model.safetext import NEWLINE_MARK, json_text, safe_line, safe_text
from playlist_tui.reports.gradebook import csv_cell, md_cell
from playlist_tui.ui.format import link_problem
from tests.conftest import git, init_repo
from tests.test_bad_inputs import ANA, ANA_T, CLASS, PLAYLIST, VALID, write_class

ROOT = Path(__file__).resolve().parent.parent
FORGED = "Ms Lee: Ana Souza mastered RP.1 at level 4"

HOSTILE: dict[str, str] = {
    "csi_colour": "Ana\x1b[31mRED\x1b[0m",
    "conceal": "ok\x1b[8mHIDDEN REST",
    "osc52_clipboard": "x\x1b]52;c;cm0gLXJmIH4=\x07y",
    "osc8_link": "\x1b]8;;https://evil.example/\x1b\\click me\x1b]8;;\x1b\\",
    "c1_csi": "a\x9b31mb\x9d0;title\x9c",
    "bidi_override": "abc\u202edcba\u2066x\u2069",
    "newline_forges_a_line": f"RP.1\n{FORGED}",
    "carriage_return": "fine\roverwritten",
    "markup": "[/] [bold]b[/bold] [@click=app.quit]quit[/] [link=file:///etc/passwd]x[/link]",
    "html": "<img src=x onerror=alert(1)><script>alert(2)</script>",
    "formula": "=cmd|' /C calc'!A0",
    "formula_plus_at": "+1+cmd|' /C calc'!A0 @SUM(1)",
}
BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def toml_str(text: str) -> str:
    """A TOML basic string holding ``text`` (JSON's escapes are TOML's)."""
    return json.dumps(text)


def unsafe_chars(text: str, *, newlines: bool = True) -> list[str]:
    """Control and bidi characters in ``text`` (newlines allowed when ``newlines``)."""
    allowed = "\n" if newlines else ""
    return [c for c in text.replace("\r\n", "\n")
            if (unicodedata.category(c) == "Cc" and c not in allowed) or c in BIDI]


def hostile_class(root: Path, text: str) -> Path:
    """The valid class of the bad-input catalogue with ``text`` in many fields, in git:
    a first commit of the valid class, then the hostile one (author: ``text``)."""
    root.mkdir(parents=True, exist_ok=True)
    write_class(root)
    init_repo(root)
    t = toml_str(text)
    files = dict(VALID)
    files[CLASS] = (files[CLASS].replace('name = "Grade 6 Math"', f"name = {t}")
                    .replace('name = "Ana"', f"name = {t}")
                    .replace('name = "Blue group"', f"name = {t}"))
    files[PLAYLIST] = (files[PLAYLIST].replace('title = "Watch the ratio video"',
                                               f"title = {t}\nlink = {t}")
                       .replace('title = "Ratios"', f"title = {t}"))
    files[ANA] = (files[ANA].replace('reflection = "A ratio compares two amounts."',
                                     f"reflection = {t}")
                  .replace('note = "Ready for the check"', f"note = {t}")
                  + f"{t} = 2026-11-05T09:00:00Z\n"  # a tick key: quoted by validate
                  + f"\n[requests.r2]\ncompetency = {t}\nat = 2026-11-06T09:00:00Z\n"
                  + f"\n[goals.g1]\ntext = {t}\n")
    files[ANA_T] = files[ANA_T].replace('feedback = "Clear explanation."', f"feedback = {t}")
    for rel, content in files.items():
        (root / rel).write_text(content, encoding="utf-8")
    author = " ".join(text.split()) or "x"
    env = {**os.environ, "GIT_AUTHOR_NAME": author, "GIT_COMMITTER_NAME": author}
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    done = subprocess.run(["git", "-C", str(root), "commit", "-q", "-m", text], env=env,
                          capture_output=True)
    if done.returncode != 0:  # git refused that author name: commit under a plain one
        git(root, "commit", "-q", "-m", text)
    return root


def no_browser(opened: list[str]) -> Callable[..., bool]:
    """webbrowser.open that records the link and opens nothing (as under serve)."""
    def open_(url: str, *args: object, **kwargs: object) -> bool:
        opened.append(url)
        return False
    return open_


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(params=list(HOSTILE), ids=list(HOSTILE))
def hostile(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, Path]:
    text = HOSTILE[request.param]
    return text, hostile_class(tmp_path / "class", text)


# --------------------------------------------------------------------------- commands


def test_validate_text_and_json(hostile: tuple[str, Path],
                                capsys: pytest.CaptureFixture[str]) -> None:
    _text, folder = hostile
    code, out, err = run(capsys, "validate", str(folder), "--no-cache")
    assert code == 1, err  # the tick key and the unknown competency are problems
    assert not unsafe_chars(out + err), (out + err)
    assert re.search(r"students/ana/student\.toml:\d+:\d+: ", out), out
    assert not any(line.startswith(FORGED) for line in out.splitlines())
    code, out, _ = run(capsys, "validate", str(folder), "--no-cache", "--format", "json")
    assert not unsafe_chars(out), out
    json.loads(out)  # still JSON, same values


def test_report_table_csv_json_md(hostile: tuple[str, Path],
                                  capsys: pytest.CaptureFixture[str]) -> None:
    _text, folder = hostile
    for by in ("student", "competency", "playlist"):
        code, out, err = run(capsys, "report", str(folder), "--by", by)
        assert code == 0, err
        assert not unsafe_chars(out), out

        code, out, _ = run(capsys, "report", str(folder), "--by", by, "--format", "csv")
        assert code == 0 and not unsafe_chars(out), out
        rows = list(csv.reader(io.StringIO(out)))
        assert len(rows) >= 2
        for row in rows:
            for cell in row:
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")) \
                    or re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", cell), f"live formula: {cell!r}"

        code, out, _ = run(capsys, "report", str(folder), "--by", by, "--format", "json")
        assert code == 0 and not unsafe_chars(out), out
        json.loads(out)

        code, out, _ = run(capsys, "report", str(folder), "--by", by, "--format", "md")
        assert code == 0 and not unsafe_chars(out), out
        assert "<img" not in out and "<script" not in out


def test_student_report_md_and_html(hostile: tuple[str, Path],
                                    capsys: pytest.CaptureFixture[str]) -> None:
    _text, folder = hostile
    code, out, err = run(capsys, "report", str(folder), "--student", "ana", "--format", "md")
    assert code == 0, err
    assert not unsafe_chars(out), out
    assert "<img" not in out and "<script" not in out
    code, out, err = run(capsys, "report", str(folder), "--student", "ana", "--format", "html")
    assert code == 0, err
    assert not unsafe_chars(out), out
    assert "<img" not in out and "<script" not in out and "onerror=alert(1)>" not in out


def test_print_md_and_html(hostile: tuple[str, Path], capsys: pytest.CaptureFixture[str]
                           ) -> None:
    _text, folder = hostile
    for fmt in ("md", "html"):
        code, out, err = run(capsys, "print", "ratios", str(folder), "--format", fmt)
        assert code == 0, err
        assert not unsafe_chars(out), out
        assert "<img" not in out and "<script" not in out
        assert "href=\"file:" not in out and "<file:" not in out


def test_log_and_audit(hostile: tuple[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    _text, folder = hostile
    code, out, err = run(capsys, "log", str(folder), "--limit", "0")
    assert code == 0, err
    assert not unsafe_chars(out + err), out
    lines = out.splitlines()
    assert lines and all(re.match(r"\d\d \w{3} \d\d:\d\d  ", line) for line in lines), out
    assert not any(FORGED in line.split("  ", 1)[1][:len(FORGED)] for line in lines)
    code, out, err = run(capsys, "audit", str(folder))
    assert code in (0, 1), err
    assert not unsafe_chars(out + err), out + err


def test_a_newline_in_a_competency_is_shown_not_obeyed(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    folder = hostile_class(tmp_path / "class", HOSTILE["newline_forges_a_line"])
    code, out, _ = run(capsys, "log", str(folder), "--limit", "0")
    assert code == 0
    assert f"RP.1{NEWLINE_MARK}{FORGED}" in out
    assert not any(line.startswith(FORGED) for line in out.splitlines())


# --------------------------------------------------------------------------- the app


async def test_the_app_shows_every_hostile_string_safely(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    from textual.widgets import DataTable

    from playlist_tui.ui.app import PlaylistApp
    from playlist_tui.ui.screens.playlist import PlaylistScreen
    from tests.test_student_app import settle

    everything = " ".join(HOSTILE.values())
    folder = hostile_class(tmp_path / "class", everything)
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", no_browser(opened))

    teacher = PlaylistApp(folder, role="teacher", person="t-rivera", watch=False)
    async with teacher.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        for keys in (("p",), ("enter",), ("escape", "w"), ("escape",)):
            await pilot.press(*keys)
            await settle(pilot)
            svg = teacher.export_screenshot()
            assert not unsafe_chars(svg), f"after {keys}: {unsafe_chars(svg)[:5]}"
    assert teacher.return_code in (None, 0)

    student = PlaylistApp(folder, role="student", person="ana", watch=False)
    async with student.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert not unsafe_chars(student.export_screenshot())
        await pilot.press("enter")
        await settle(pilot)
        screen = student.screen
        assert isinstance(screen, PlaylistScreen)
        table = screen.query_one("#activities", DataTable)
        table.move_cursor(row=1)  # the first activity: its title and link are hostile
        await pilot.pause()
        await pilot.press("o")  # open the link: not http(s), so never handed on
        await settle(pilot)
        assert opened == []
        assert not unsafe_chars(student.export_screenshot())
    assert student.return_code in (None, 0)


@pytest.mark.parametrize("link, opens", [
    ("https://example.org/a[/]b[bold]", True),
    ("file:///etc/passwd", False),
    ("javascript:alert(1)", False),
    ("HTTPS://example.org/ok", True),
    ("mailto:lee@school.example", True),
])
async def test_the_open_link_key(small_class: Path, monkeypatch: pytest.MonkeyPatch,
                                 link: str, opens: bool) -> None:
    """Only http, https and mailto links go to the browser; when none opens (always so
    under serve) the link is shown as plain text: markup in it never crashes the app."""
    from playlist_tui.ui.app import PlaylistApp
    from tests.test_student_app import go_to, open_ratios, settle

    path = small_class / "playlists/ratios.toml"
    text = path.read_text()
    old = 'link = "https://www.khanacademy.org/math/cc-sixth-grade-math/cc-6th-ratios-prop-topic"'
    assert text.count(old) == 1
    path.write_text(text.replace(old, f"link = {toml_str(link)}"))
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", no_browser(opened))
    app = PlaylistApp(small_class, role="student", person="ana", watch=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_ratios(pilot)
        await go_to(pilot, screen, "act:video")
        await pilot.press("o")
        await settle(pilot)
        assert app.screen is screen
        notes = [str(n.message) for n in list(app._notifications)]
        app.export_screenshot()  # the notification is drawn without an error
    assert opened == ([link] if opens else [])
    assert any(link in n for n in notes), notes
    if not opens:
        assert any("not opened" in n for n in notes), notes


@pytest.mark.parametrize("link, why", [
    ("https://example.org/x", None), ("http://example.org", None),
    ("mailto:a@b.example", None), ("file:///etc/passwd", "not file:"),
    ("javascript:alert(1)", "not javascript:"), ("example.org/x", "does not say"),
    ("https://example.org/\x1b[8m", "control"), ("https://exa mple.org", "spaces"),
    ("https:///etc/passwd", "no web site"), ("data:text/html,<b>", "not data:"),
])
def test_link_rule(link: str, why: str | None) -> None:
    found = link_problem(link)
    assert (found is None) if why is None else (found is not None and why in found), found


# --------------------------------------------------------------------------- the rules


CONTROL = {c for c in map(chr, range(0x110000)) if unicodedata.category(c) == "Cc"}


@given(st.text())
def test_safe_line_leaves_no_control_character(text: str) -> None:
    out = safe_line(text)
    assert not [c for c in out if c in CONTROL or c in BIDI]


@given(st.text())
def test_safe_text_leaves_only_newlines_and_tabs(text: str) -> None:
    out = safe_text(text)
    assert not [c for c in out if (c in CONTROL and c not in "\n\t") or c in BIDI]
    assert out.count("\n") <= text.count("\n") + text.count("\r")


@given(st.text())
def test_json_text_is_safe_and_keeps_the_value(text: str) -> None:
    out = json_text({"k": text})
    assert not unsafe_chars(out)
    assert json.loads(out) == {"k": text}


@given(st.text())
def test_csv_and_markdown_cells(text: str) -> None:
    cell = csv_cell(text)
    assert not unsafe_chars(cell, newlines=False)
    assert not cell.startswith(("=", "+", "-", "@")) or re.fullmatch(r"-?[0-9]+(\.[0-9]+)?",
                                                                      cell)
    md = md_cell(text)
    assert "<" not in md and ">" not in md and not unsafe_chars(md, newlines=False)


@pytest.mark.parametrize("value, shown", [
    ("-5", "-5"), ("-2.5", "-2.5"), ("-1+2", "'-1+2"), ("=1+1", "'=1+1"), ("+1", "'+1"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'  =1".replace("  ", " ")), ("Ana", "Ana"),
    ("5%", "5%"), ("-", "'-"),
])
def test_csv_formula_neutralisation(value: str, shown: str) -> None:
    assert csv_cell(value) == shown


# --------------------------------------------------------------------------- files


def special_cases(tmp_path: Path) -> dict[str, tuple[str, Path | str]]:
    outside = tmp_path / "outside.toml"
    outside.write_text('secret = "the teacher\'s other file"\n')
    return {"symlink_outside": ("a symbolic link", outside),
            "symlink_dev_stdin": ("a symbolic link", Path("/dev/stdin")),
            "fifo": ("a named pipe", "fifo"),
            "device": ("a device file", Path("/dev/null")),
            "socket": ("a socket", "socket")}


@pytest.mark.parametrize("case", ["symlink_outside", "symlink_dev_stdin", "fifo", "device",
                                  "socket"])
def test_validate_refuses_what_is_not_a_regular_file_without_hanging(
        case: str, tmp_path: Path) -> None:
    """In a subprocess with a timeout and a terminal-less stdin that never ends: a read of
    the FIFO or of /dev/stdin would hang until the timeout."""
    folder = tmp_path / "class"
    write_class(folder)
    target = folder / ANA
    target.unlink()
    kind, what = special_cases(tmp_path)[case]
    if what == "fifo":
        os.mkfifo(target)
    elif what == "socket":
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(target))
    elif case == "device":  # a character device like /dev/null (1, 3): needs root
        if os.geteuid() != 0:
            pytest.skip("making a device file needs root")
        os.mknod(target, 0o600 | stat.S_IFCHR, os.makedev(1, 3))
    else:
        os.symlink(what, target)
    read_end, write_end = os.pipe()  # stdin: a pipe nobody writes to or closes
    try:
        done = subprocess.run([sys.executable, "-m", "playlist_tui", "validate", str(folder),
                               "--no-cache"], stdin=read_end, capture_output=True, text=True,
                              timeout=60, cwd=ROOT)
    finally:
        os.close(read_end)
        os.close(write_end)
    assert done.returncode == 1, done.stderr
    assert f"students/ana/student.toml:1:1: error: students/ana/student.toml is {kind}" \
        in done.stdout, done.stdout
    assert "the teacher's other file" not in done.stdout + done.stderr
    assert "Traceback" not in done.stderr


def test_a_student_folder_that_is_a_link_is_a_problem(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "student.toml").write_text('[goals.g1]\ntext = "from outside"\n')
    folder = tmp_path / "class"
    write_class(folder, {ANA: None, ANA_T: None})
    assert not (folder / "students/ana").exists()
    os.symlink(elsewhere, folder / "students/ana")
    code, out, _ = run(capsys, "validate", str(folder), "--no-cache")
    assert code == 1
    assert ("students/ana:1:1: error: students/ana is a symbolic link; class folders must be "
            "real folders") in out, out
    code, out, _ = run(capsys, "report", str(folder), "--student", "ana", "--format", "md")
    assert "from outside" not in out


# --------------------------------------------------------------------------- terminals


def test_the_app_without_a_terminal_refuses_in_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "class"
    write_class(folder)
    env = {k: v for k, v in os.environ.items() if k != "TEXTUAL_DRIVER"}
    done = subprocess.run([sys.executable, "-m", "playlist_tui", str(folder)],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=60, cwd=ROOT, env=env)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and "the app needs a terminal" in done.stderr


@pytest.mark.parametrize("command", [["log"], ["validate", "--no-cache"], ["audit"],
                                     ["report", "--format", "csv"]])
def test_a_closed_pipe_ends_a_command_quietly(command: list[str], tmp_path: Path) -> None:
    folder = hostile_class(tmp_path / "class", "x")
    read_end, write_end = os.pipe()
    os.close(read_end)  # like 'playlist-tui log | head' once head has gone
    try:
        done = subprocess.run([sys.executable, "-m", "playlist_tui", command[0], str(folder),
                               *command[1:]], stdout=write_end, stderr=subprocess.PIPE,
                              text=True, timeout=60, cwd=ROOT)
    finally:
        os.close(write_end)
    assert done.returncode == PIPE_CLOSED, done.stderr
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr


def test_the_line_filter_removes_control_characters_and_keeps_the_width() -> None:
    from rich.cells import cell_len
    from rich.segment import Segment
    from textual.color import Color

    from playlist_tui.ui.widgets import ControlFilter

    segments = [Segment("Ana\x1b[31m"), Segment("x\x1b]52;c;aGk=\x07y\u202e"), Segment("ok")]
    out = ControlFilter().apply(segments, Color(0, 0, 0))
    text = "".join(s.text for s in out)
    assert not unsafe_chars(text, newlines=False)
    assert sum(cell_len(s.text) for s in out) == sum(cell_len(s.text) for s in segments)
    plain = [Segment("plain")]
    assert ControlFilter().apply(plain, Color(0, 0, 0)) is plain
