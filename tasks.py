#!/usr/bin/env python3
"""Set-up and run playlist-tui with nothing but Python 3.11+ and git.

    python3 tasks.py app [ARGS...]    install what is needed, open the app (demo class by default)
    python3 tasks.py test [ARGS...]   install what is needed, run ruff, mypy and all tests
    python3 tasks.py bench [ARGS...]  install what is needed, run the benchmark (bench/run.py)

Everything is installed into ./.venv from the pinned versions in constraints.txt; the
install is repeated only when pyproject.toml or constraints.txt change.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".playlist-tui-installed"


def _fingerprint() -> str:
    h = hashlib.sha256()
    for name in ("pyproject.toml", "constraints.txt"):
        h.update((ROOT / name).read_bytes())
    return h.hexdigest()


def ensure_installed() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - a friendly message on old Pythons
        major, minor = sys.version_info[:2]
        sys.exit(f"playlist-tui needs Python 3.11 or newer (this is {major}.{minor}).")
    if not PY.exists():
        print("Creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    want = _fingerprint()
    if STAMP.exists() and STAMP.read_text() == want:
        return
    print("Installing pinned dependencies into .venv (once) ...", flush=True)
    env = dict(os.environ, PIP_CONSTRAINT=str(ROOT / "constraints.txt"))
    subprocess.run(
        [str(PY), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "-c", str(ROOT / "constraints.txt"), "-e", f"{ROOT}[dev]"],
        check=True, env=env,
    )
    STAMP.write_text(want)


def run(*cmd: str) -> int:
    return subprocess.run(list(cmd), cwd=ROOT).returncode


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"app", "test", "bench"}:
        print(__doc__)
        return 2
    what, rest = argv[0], argv[1:]
    ensure_installed()
    if what == "app":
        return run(str(BIN / "playlist-tui"), *(rest or [str(ROOT / "playlists")]))
    if what == "bench":
        return run(str(PY), str(ROOT / "bench" / "run.py"), *rest)
    steps = [
        [str(PY), "-m", "ruff", "check",
         *[p for p in ("playlist_tui", "tests", "bench", "tasks.py") if (ROOT / p).exists()]],
        [str(PY), "-m", "mypy"],
        [str(BIN / "lint-imports")],
        [str(PY), "-m", "pytest", *rest],
    ]
    failed = 0
    for step in steps:
        print("$", " ".join(Path(step[0]).name if i == 0 else a for i, a in enumerate(step)),
              flush=True)
        code = run(*step)
        if code != 0:
            failed = failed or code
    return failed


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
