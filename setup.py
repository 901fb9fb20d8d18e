"""Build hook (everything else is in pyproject.toml): the wheel carries the demo class.

The demo class has one source: ``playlists/`` at the top of the repository (the README's
``python3 tasks.py app`` opens it there, the tests read it there). Building copies it
into the wheel as ``playlist_tui/demo``, where ``playlist_tui.commands.common.DEMO``
finds it once installed. An editable install (``pip install -e``, as tasks.py does) reads
``playlists/`` in place, so nothing is copied for it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

DEMO_SOURCE = Path(__file__).resolve().parent / "playlists"
DEMO_TARGET = ("playlist_tui", "demo")


class BuildWithDemo(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib, *DEMO_TARGET)
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(DEMO_SOURCE, target,
                        ignore=shutil.ignore_patterns(".*", "__pycache__"))

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = list(super().get_outputs(include_bytecode))
        target = Path(self.build_lib, *DEMO_TARGET)
        if not getattr(self, "editable_mode", False) and target.is_dir():
            outputs += [str(p) for p in sorted(target.rglob("*")) if p.is_file()]
        return outputs


setup(cmdclass={"build_py": BuildWithDemo})
