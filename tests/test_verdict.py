"""``validate`` answers from the kept verdict only while the class folder is exactly the same
(playlist_tui.store.verdict), and its answer is then the same as a full check's.

Files made by a test are "just changed", which nothing trusts (RACY_NS), so these tests
set RACY_NS to 0 (as tests/test_cache.py does); one test keeps the real value.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from playlist_tui import cli
from playlist_tui.store import cachefiles, loader, verdict
from playlist_tui.store.store import ClassStore, wait_for_cache
from tests.conftest import SMALL, own_cache

T0 = 1_700_000_000 * 10**9  # a moment long ago, in ns


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    yield own_cache(tmp_path, monkeypatch)
    wait_for_cache()


def a_class(tmp_path: Path) -> Path:
    """SMALL with problems of several kinds: a bad value, an unexpected file, a link."""
    root = tmp_path / "class"
    shutil.copytree(SMALL, root)
    student = sorted((root / "students").iterdir())[0]
    (student / "notes.toml").write_text("x = 1\n", "utf-8")
    playlist = sorted((root / "playlists").glob("*.toml"))[0]
    playlist.write_text(playlist.read_text("utf-8").replace("minutes = ", "minutes = -", 1),
                        "utf-8")
    os.symlink("/etc/passwd", root / "frameworks" / "elsewhere.toml")
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            path = Path(dirpath) / name
            if not path.is_symlink():
                os.utime(path, ns=(T0, T0))
    return root


def validate(root: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    code = cli.main(["validate", str(root), *extra])
    out = capsys.readouterr()
    return code, out.out + out.err


def full_check(root: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    return validate(root, capsys, "--no-cache", *extra)


def no_load(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on, a load of the class fails the test (the verdict must answer)."""
    def refuse(self: ClassStore) -> None:
        raise AssertionError("the class was loaded although nothing had changed")

    monkeypatch.setattr(ClassStore, "load", refuse)


def test_the_kept_verdict_is_the_full_checks_answer(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    root = a_class(tmp_path)
    expected = {fmt: full_check(root, capsys, "--format", fmt) for fmt in ("text", "json")}
    assert expected["text"][0] == 1 and "unexpected file" in expected["text"][1]
    assert validate(root, capsys) == expected["text"]  # checks and keeps the verdict
    assert verdict.read(root) is not None
    no_load(monkeypatch)
    for fmt in ("text", "json"):
        assert validate(root, capsys, "--format", fmt) == expected[fmt]


def test_a_clean_class_is_clean_from_the_verdict_too(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "class"
    shutil.copytree(SMALL, root)
    expected = full_check(root, capsys)
    assert expected[0] == 0
    assert validate(root, capsys) == expected
    no_load(monkeypatch)
    assert validate(root, capsys) == expected


def _student(root: Path) -> Path:
    return sorted((root / "students").iterdir())[0]


def _append(path: Path, text: str) -> None:
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(text)


def _same_size_other_byte(root: Path) -> None:
    path = _student(root) / "student.toml"
    path.write_bytes(path.read_bytes().replace(b"=", b"!", 1))


def _framework_to_link(root: Path) -> None:
    (root / "frameworks" / "math6.toml").unlink()
    os.symlink("/etc/hostname", root / "frameworks" / "math6.toml")


def _students_to_file(root: Path) -> None:
    shutil.rmtree(root / "students")
    (root / "students").write_text("x", "utf-8")


def _remove(path: str) -> Callable[[Path], object]:
    return lambda root: (root / path).unlink()


CHANGES: dict[str, Callable[[Path], object]] = {
    "a tick appended": lambda root: _append(
        _student(root) / "student.toml", '\n[notes]\n"zz" = "x"\n'),
    "a broken student file": lambda root: _append(_student(root) / "student.toml", "[[\n"),
    "the same size, another byte": _same_size_other_byte,
    "a teacher file removed": _remove("students/cy/teacher.toml"),
    "a teacher file added": lambda root: shutil.copy(
        root / "students" / "cy" / "teacher.toml", _student(root) / "teacher.toml"),
    "a student folder added": lambda root: shutil.copytree(
        _student(root), root / "students" / "newcomer"),
    "a student folder renamed": lambda root: _student(root).rename(
        root / "students" / "zz-renamed"),
    "an unexpected file removed": lambda root: (_student(root) / "notes.toml").unlink(),
    "a playlist deleted": _remove("playlists/ratios.toml"),
    "a framework replaced by a link": _framework_to_link,
    "the link removed": _remove("frameworks/elsewhere.toml"),
    "class.toml edited": lambda root: _append(root / "class.toml", "\n# a comment\n"),
    "class.toml removed": _remove("class.toml"),
    "students/ replaced by a file": _students_to_file,
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_any_change_to_the_folder_is_checked_again(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], change: str) -> None:
    root = a_class(tmp_path)
    validate(root, capsys)
    assert verdict.read(root) is not None
    CHANGES[change](root)
    assert verdict.read(root) is None
    after = validate(root, capsys)
    assert after == full_check(root, capsys)
    assert verdict.read(root) is not None or after[0] == 2  # kept again (not: no class)


def test_a_verdict_is_not_kept_while_files_are_fresh(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A file changed moments ago may change again without its identity changing."""
    monkeypatch.setattr(loader, "RACY_NS", 3_000_000_000)
    monkeypatch.setattr(verdict, "RACY_NS", 3_000_000_000)
    root = tmp_path / "class"
    shutil.copytree(SMALL, root)  # (every file and folder just made)
    expected = full_check(root, capsys)
    assert validate(root, capsys) == expected
    assert verdict.read(root) is None


def test_the_racy_window_is_the_loaders() -> None:
    assert verdict.RACY_NS == loader.RACY_NS


def _verdict_file(root: Path) -> Path:
    folder = cachefiles.cache_dir(root.resolve())
    assert folder is not None
    return folder / verdict.NAME


def test_a_forged_verdict_is_never_believed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = a_class(tmp_path)
    expected = validate(root, capsys)
    path = _verdict_file(root)
    sealed = path.read_bytes()
    assert b"unexpected file" in sealed
    path.write_bytes(sealed.replace(b"unexpected file", b"all is well here"))
    assert verdict.read(root) is None
    assert validate(root, capsys) == expected


def test_another_folders_verdict_is_not_used(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The seal binds the verdict to its folder: copied next to another class, it fails."""
    first = a_class(tmp_path)
    validate(first, capsys)
    other = tmp_path / "other"
    shutil.copytree(SMALL, other)
    _verdict_file(other).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(_verdict_file(first), _verdict_file(other))
    assert verdict.read(other) is None
    assert validate(other, capsys) == full_check(other, capsys)


def test_no_verdict_when_the_cache_is_off_or_not_asked_for(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    root = a_class(tmp_path)
    full_check(root, capsys)
    assert not _verdict_file(root).exists()  # --no-cache: nothing written
    monkeypatch.setenv("PLAYLIST_TUI_CACHE", "off")
    validate(root, capsys)
    assert verdict.read(root) is None
    monkeypatch.delenv("PLAYLIST_TUI_CACHE")
    assert not _verdict_file(root).exists()
