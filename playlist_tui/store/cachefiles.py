"""Where the cache of a class folder lives, and its files sealed with a MAC.

The parts of :mod:`playlist_tui.store.cache` that need no model: the folder, the per-user
key, the fingerprint of the code, and writing/reading a file whose contents are trusted
only when their HMAC is right. Kept apart so that a command answering from a sealed
summary (``validate``, :mod:`playlist_tui.store.verdict`) does not import the models.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import importlib.util
import os
import secrets
import sys
from pathlib import Path
from typing import BinaryIO

FORMAT = b"playlist-tui cache 1\n"
MAC_SIZE = 32
HEADER = len(FORMAT) + MAC_SIZE
CHUNK = 1 << 20

# The source files whose code decides what an entry holds: a change to any of them makes
# every cache entry stale (it fails its MAC check and is rebuilt).
SOURCES = ("model", "store/reading.py", "store/loader.py", "store/tomlpos.py",
           "store/layout.py", "store/cache.py", "store/cachefiles.py")

_fingerprint: bytes | None = None


def _installed(package: str) -> bytes:
    """What identifies the installed version of a package, without importing it: the
    names, sizes and mtimes of the files in its folder (an upgrade replaces them)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.origin:
        return b"-"
    folder = Path(spec.origin).parent
    out = [os.fsencode(folder)]
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            if entry.is_file(follow_symlinks=False):
                st = entry.stat(follow_symlinks=False)
                out.append(b"%s %d %d" % (os.fsencode(entry.name), st.st_size, st.st_mtime_ns))
    return b"\n".join(out)


def code_fingerprint() -> bytes:
    """A hash of the code that parses and checks one file, and of the versions it runs on
    (Python's, pydantic's: found without importing pydantic, so that a command answering
    from a sealed file does not pay for it)."""
    global _fingerprint
    if _fingerprint is None:
        package = Path(__file__).resolve().parent.parent
        h = hashlib.sha256(FORMAT)
        h.update(f"{sys.version}\0".encode())
        for dependency in ("pydantic", "pydantic_core"):
            h.update(_installed(dependency) + b"\0")
        for name in SOURCES:
            path = package / name
            files = sorted(path.glob("*.py")) if path.is_dir() else [path]
            for file in files:
                h.update(file.name.encode() + b"\0")
                with contextlib.suppress(OSError):
                    h.update(file.read_bytes())
        _fingerprint = h.digest()
    return _fingerprint


def user_dir() -> Path | None:
    """The per-user cache folder of playlist-tui, or None if the cache is off."""
    if os.environ.get("PLAYLIST_TUI_CACHE", "").lower() in ("0", "off", "no", "false"):
        return None
    configured = os.environ.get("PLAYLIST_TUI_CACHE_DIR")
    if configured:
        return Path(configured)
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "playlist-tui"


def cache_dir(root: Path) -> Path | None:
    """Where the cache of a class folder lives (None if the cache is off)."""
    user = user_dir()
    if user is None:
        return None
    root = Path(root).resolve()
    if (root / ".git").is_dir():
        return root / ".git" / "playlist-tui" / "cache"
    digest = hashlib.sha256(os.fsencode(root)).hexdigest()[:24]
    return user / "classes" / digest


def user_key(user: Path) -> bytes | None:
    """The random per-user key (made on first use, readable only by its owner)."""
    path = user / "key"
    with contextlib.suppress(OSError):
        key = path.read_bytes()
        if len(key) == 32:
            return key
    try:
        user.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it just now
        with contextlib.suppress(OSError):
            key = path.read_bytes()
            return key if len(key) == 32 else None
        return None
    except OSError:
        return None
    key = secrets.token_bytes(32)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    return key


def mac_key(root: Path, max_bytes: int, *extra: bytes) -> bytes | None:
    """The key sealing the cache files of one class folder (None if the cache is off):
    the user's key bound to the code's fingerprint, the folder, the size limit and
    ``extra``."""
    user = user_dir()
    key = user_key(user) if user is not None else None
    if key is None:
        return None
    return hmac.new(key, b"\0".join([
        FORMAT, code_fingerprint(), os.fsencode(root), str(max_bytes).encode(), *extra]),
        hashlib.sha256).digest()


def key_over(root: Path, max_bytes: int, label: bytes, sources: tuple[str, ...]
             ) -> bytes | None:
    """:func:`mac_key` bound also to ``label`` and the source of the modules ``sources``
    (paths in the package): a file sealed with it is stale once any of them changes."""
    package = Path(__file__).resolve().parent.parent
    h = hashlib.sha256(label + b"\0")
    for name in sources:
        with contextlib.suppress(OSError):
            h.update((package / name).read_bytes())
    return mac_key(root, max_bytes, h.digest())


def write_private(path: Path, *parts: bytes) -> None:
    """Write ``parts`` to ``path`` atomically (a temporary file renamed into place),
    readable only by its owner."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            for part in parts:
                handle.write(part)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def write_sealed(path: Path, key: bytes, payload: bytes) -> None:
    """Write ``payload`` with its MAC, atomically, readable only by its owner."""
    write_private(path, FORMAT, hmac.new(key, payload, hashlib.sha256).digest(), payload)


def read_sealed(path: Path, key: bytes) -> bytes:
    """The payload of a sealed file; raises (OSError, ValueError) unless its MAC is right."""
    with open(path, "rb") as handle:
        check_sealed(handle, key)
        handle.seek(HEADER)
        return handle.read()


def check_sealed(handle: BinaryIO, key: bytes) -> None:
    """Raise ValueError unless the open file ``handle`` (at its start) holds a payload
    with the right MAC; leaves it at the end."""
    header = handle.read(HEADER)
    if len(header) != HEADER or not header.startswith(FORMAT):
        raise ValueError("not a cache file of this version")
    mac = hmac.new(key, digestmod=hashlib.sha256)
    while chunk := handle.read(CHUNK):
        mac.update(chunk)
    if not hmac.compare_digest(mac.digest(), header[len(FORMAT):]):
        raise ValueError("bad MAC")
