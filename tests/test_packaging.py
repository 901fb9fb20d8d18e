"""The package as users install it: the sdist holds what its tests need; the wheel built
from that sdist, installed in a fresh virtual environment outside the repository, runs
init -> roster add -> validate -> report -> demo.

Built offline with the pinned setuptools of .venv (no build isolation), from a copy of the
project's files (git ls-files), so nothing is written into the checkout. The fresh
environment gets the wheel with ``pip install --no-deps``; its dependencies come from
.venv's site-packages through a .pth line (the pinned versions, without a download). A
.pth line adds the folder only (the .pth files in it are not run), so .venv's editable
playlist_tui is not seen there: the test checks that the wheel's copy is the one run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

from tests.conftest import DEMO, ROOT


def project_files() -> list[str]:
    out = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others",
                          "--exclude-standard"], capture_output=True, text=True, check=True)
    return [p for p in out.stdout.split("\0") if p and (ROOT / p).is_file()]


def build(kind: str, source: Path, out: Path) -> Path:
    """Build an sdist or a wheel of ``source`` into ``out`` (setuptools' PEP 517 hooks)."""
    code = (f"import setuptools.build_meta as b; print(b.build_{kind}({str(out)!r}))")
    done = subprocess.run([sys.executable, "-c", code], cwd=source, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return out / done.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def sdist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("sdist")
    copy = base / "project"
    for rel in project_files():
        (copy / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, copy / rel)
    return build("sdist", copy, base / "dist")


@pytest.fixture(scope="module")
def wheel(sdist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built from the unpacked sdist (as pip builds it from PyPI)."""
    base = tmp_path_factory.mktemp("wheel")
    with tarfile.open(sdist) as archive:
        archive.extractall(base, filter="data")
    (unpacked,) = [p for p in base.iterdir() if p.is_dir()]
    return build("wheel", unpacked, base / "dist")


def test_the_sdist_holds_what_its_tests_need(sdist: Path) -> None:
    with tarfile.open(sdist) as archive:
        names = {n.split("/", 1)[1] for n in archive.getnames() if "/" in n}
        info = archive.extractfile(next(n for n in archive.getnames()
                                        if n.endswith("/PKG-INFO") and n.count("/") == 1))
        assert info is not None
        pkg_info = info.read().decode()
    tracked = set(project_files())
    wanted = {p for p in tracked if p.startswith(("tests/", "docs/", "playlists/", "bench/",
                                                  "playlist_tui/"))
              and "__pycache__" not in p}
    wanted |= {"tasks.py", "constraints.txt", "README.md", "LICENSE", "setup.py",
               "pyproject.toml", "MANIFEST.in"}
    missing = sorted(wanted - names)
    assert not missing, missing
    assert "tests/conftest.py" in names and "tests/data/small/class.toml" in names
    assert any(n.startswith("tests/__snapshots__/") for n in names)
    assert "License-Expression: MIT" in pkg_info and "License-File: LICENSE" in pkg_info


def test_the_wheel_carries_the_demo_license_and_ranges(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        (metadata,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        meta = archive.read(metadata).decode()
    demo = {p.relative_to(DEMO).as_posix() for p in DEMO.rglob("*") if p.is_file()}
    assert {f"playlist_tui/demo/{p}" for p in demo} <= names
    assert {"playlist_tui/ui/app.tcss", "playlist_tui/py.typed"} <= names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    requires = [line for line in meta.splitlines() if line.startswith("Requires-Dist:")]
    runtime = [r for r in requires if "extra ==" not in r]
    assert "Requires-Dist: textual<9,>=8.2.8" in runtime
    assert not any("==" in r for r in runtime), runtime  # exact pins: constraints.txt only
    assert "License-Expression: MIT" in meta
    assert "Classifier: Intended Audience :: Education" in meta


def test_installed_wheel_runs_init_roster_validate_report_demo(
        wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True)
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / "python"
    site = Path(subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True, text=True, check=True).stdout.strip())
    (site / "pinned-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install",
                    "--quiet", "--no-deps", "--no-index", "--disable-pip-version-check",
                    str(wheel)], check=True)
    work = tmp_path / "work"  # outside the repository
    work.mkdir()
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("[user]\n\tname = Jane Lee\n\temail = j.lee@school.org\n"
                                     "[commit]\n\tgpgsign = false\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV",
                                                                    "GIT_"))}
    env.update(HOME=str(home), GIT_CONFIG_GLOBAL=str(home / ".gitconfig"),
               XDG_CACHE_HOME=str(tmp_path / "cache"))

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(bindir / "playlist-tui"), *args], cwd=work, env=env,
                              capture_output=True, text=True, check=False)

    where = subprocess.run([str(python), "-c", "import playlist_tui.commands.common as c, "
                            "playlist_tui; print(playlist_tui.__file__); print(c.DEMO)"],
                           cwd=work, env=env, capture_output=True, text=True, check=True)
    module, demo_path = where.stdout.split()
    assert Path(module).is_relative_to(env_dir) and Path(demo_path).is_relative_to(env_dir)

    done = cli("init", "math6", "--name", "Grade 6 Math", "--teacher-name", "Jane Lee",
               "--teacher-email", "j.lee@school.org")
    assert done.returncode == 0, done.stderr
    for name, email in (("Ana Souza", "ana@school.org"), ("Ben Ito", "ben@school.org")):
        done = cli("roster", "add", "student", name, "--email", email, "-C", "math6")
        assert done.returncode == 0, done.stderr
    done = cli("validate", "math6")
    assert done.returncode == 0 and "2 students; no problems" in done.stderr, done.stderr
    done = cli("report", "math6", "--by", "student", "--format", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["version"] == 1
    done = cli("demo", "try", "--no-open")
    assert done.returncode == 0, done.stderr
    done = cli("validate", "try", "--format", "json")
    assert done.returncode == 0 and json.loads(done.stdout) == {"version": 1, "problems": []}
    done = cli("valdate")
    assert done.returncode == 2 and "did you mean" in done.stderr
