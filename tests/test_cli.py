"""The command line: validate's output and exit codes; every command is documented."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from playlist_tui.cli import COMMANDS, main
from tests.conftest import DEMO, ROOT


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "playlist_tui", *args], capture_output=True,
                          text=True, cwd=cwd or ROOT)


def test_validate_clean_folder_exits_0(small_class: Path) -> None:
    out = run("validate", str(small_class))
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout == ""
    assert "no problems" in out.stderr


def test_the_demo_class_is_clean() -> None:
    out = run("validate", str(DEMO))
    assert out.returncode == 0, out.stdout
    assert "25 students" in out.stderr


def test_validate_prints_path_line_col_and_exits_1(small_class: Path) -> None:
    path = small_class / "playlists/ratios.toml"
    path.write_text(path.read_text().replace('kind = "reading"', 'kind = "reeding"'))
    out = run("validate", str(small_class))
    assert out.returncode == 1
    first = out.stdout.splitlines()[0]
    assert re.fullmatch(rf"{re.escape(str(small_class))}/playlists/ratios.toml:46:1: error: "
                        r"tiers\[1\]\.activities\[1\]\.kind: 'reeding' is not allowed", first)
    assert "did you mean 'reading'?" in out.stdout


def test_validate_json(small_class: Path) -> None:
    (small_class / "students/ana/student.toml").write_text('[ticks]\n"ratios/video" = "soon"\n')
    out = run("validate", str(small_class), "--format", "json")
    assert out.returncode == 1
    report = json.loads(out.stdout)
    assert report["version"] == 1
    assert report["problems"] == [{
        "path": f"{small_class}/students/ana/student.toml", "line": 2, "col": 1,
        "severity": "error",
        "message": "ticks.\"ratios/video\": expected a date-time like 2026-11-03T10:15:00Z "
                   "(without quotes), got a string 'soon'",
        "hint": "TOML dates and times have no quotes: 2026-11-03 or 2026-11-03T10:15:00Z",
    }]


def test_validate_with_and_without_the_cache_agree(small_class: Path) -> None:
    first = run("validate", str(small_class), "--format", "json")  # (fills the cache)
    path = small_class / "students/ben/student.toml"
    path.write_text(path.read_text() + '\n[goals]\ng1 = { text = 3 }\n')
    cached = run("validate", str(small_class), "--format", "json")
    cold = run("validate", str(small_class), "--format", "json", "--no-cache")
    assert json.loads(first.stdout) == {"version": 1, "problems": []}
    assert cached.returncode == cold.returncode == 1
    assert json.loads(cached.stdout) == json.loads(cold.stdout) != {"version": 1,
                                                                     "problems": []}
    assert "students/ben/student.toml" in cached.stdout


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run("validate", "--format", "xml").returncode == 2
    assert run("validate", str(tmp_path / "missing")).returncode == 2


def test_validate_defaults_to_the_current_class_folder(small_class: Path) -> None:
    out = run("validate", cwd=small_class)
    assert out.returncode == 0 and "3 students" in out.stderr


def test_main_returns_exit_codes(small_class: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(small_class)]) == 0
    (small_class / "class.toml").write_text("name = 5\n")
    assert main(["validate", str(small_class)]) == 1
    assert "class.toml:1:1" in capsys.readouterr().out


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_command_is_documented(command: str) -> None:
    readme = (ROOT / "README.md").read_text()
    guide = (ROOT / "docs" / "user-guide.md").read_text()
    assert f"playlist-tui {command}" in readme
    assert f"playlist-tui {command}" in guide
    out = run(command, "--help")
    assert out.returncode == 0 and "usage: playlist-tui " + command in out.stdout


def test_validate_summary_counts_agree_with_their_words(small_copy: Path) -> None:
    """One playlist and one problem read as "1 playlist" and "1 problem (1 error, 0
    warnings)", never "1 playlists" or "1 problems"."""
    path = small_copy / "playlists/ratios.toml"
    path.write_text(path.read_text().replace('kind = "reading"', 'kind = "reeding"'))
    out = run("validate", str(small_copy))
    assert out.returncode == 1
    summary = out.stderr.strip().splitlines()[-1]
    assert summary == (f"{small_copy}: 1 playlist, 3 competencies, 3 students; "
                       "1 problem (1 error, 0 warnings)"), summary
