"""The embedded store holds names, e-mails, sign-in secrets and stored answers: its folder is
0700 and its files 0600, readable by their owner only, whatever the umask says.

SQLite makes a database's `-wal` and `-shm` files later, with the database file's own mode, so
creating the database file 0600 before SQLite opens it covers them too. A store made before this
(0644 files in a 0755 folder) is tightened at start, with a log line saying what changed.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import structlog

log = structlog.get_logger(__name__)

FOLDER_MODE = 0o700
FILE_MODE = 0o600
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")
_SECRETS = ("auth-secret", "log-key")  # the FILE_NAMEs of infra/local_secret.py and infra/log_key.py


def private_folder(folder: Path) -> None:
    """Make `folder` (and any missing parent) and leave it 0700. An existing folder is tightened
    only if it is ansvar's alone (this user's, holding nothing but a store and its secrets): a
    shared one (such as /tmp, with its sticky bit) or a working folder the store was put in beside
    other files is not changed, only reported."""
    folder.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
    info = folder.stat()
    if not stat.S_IMODE(info.st_mode) & 0o077:
        return
    if info.st_uid != os.geteuid() or info.st_mode & stat.S_ISVTX or not all(map(_ansvars, folder.iterdir())):
        log.warning("the data folder is readable by others; it holds more than ansvar's files, so it is left as it is",
                    path=str(folder), mode=oct(stat.S_IMODE(info.st_mode)))
        return
    _tighten(folder, FOLDER_MODE)


def _ansvars(entry: Path) -> bool:
    """A file ansvar makes in its data folder: a SQLite store and its companions, or a secret."""
    return entry.is_file() and (entry.name in _SECRETS or entry.name.endswith((".db", *(".db" + s for s in
                                                                                        SQLITE_COMPANIONS))))


def private_file(path: Path) -> None:
    """Tighten an existing file to 0600 (a missing one is left for its maker, who makes it 0600)."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return
    if mode & 0o077:
        _tighten(path, FILE_MODE)


def private_sqlite(path: Path) -> None:
    """A SQLite database only its owner can read: its folder 0700, the file created 0600 before
    SQLite opens it (its WAL and shared-memory files then take that mode), older ones tightened."""
    private_folder(path.parent)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        pass
    for file in (path, *(path.with_name(path.name + suffix) for suffix in SQLITE_COMPANIONS)):
        private_file(file)


def _tighten(path: Path, mode: int) -> None:
    was = stat.S_IMODE(path.stat().st_mode)
    os.chmod(path, mode)
    log.warning("tightened a data file that others could read", path=str(path), mode=oct(was), now=oct(mode))
