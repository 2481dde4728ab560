"""The key that signs the log's checkpoints, and the origin line naming this installation.

`ANSVAR_LOG_KEY` (a `PRIVATE+KEY+...` string) or `ANSVAR_LOG_KEY_FILE` name it. With neither, the
embedded default makes one on first run beside the database (`data/log-key`, readable only by
its owner, like the token secret), and the in-memory store makes a new one each start. On
PostgreSQL with neither, nothing is signed (the log's endpoints say so): the key must not live
in the database whose changes it is there to expose.
"""

from __future__ import annotations

import os
import re
import socket
from pathlib import Path

from infra.checkpoints import NoteError, SigningKey
from infra.private_files import private_file, private_folder
from infra.settings import Settings, SettingsError

FILE_NAME = "log-key"


def default_origin() -> str:
    host = re.sub(r"[^A-Za-z0-9.\-]", "-", socket.getfqdn() or "localhost").strip("-") or "localhost"
    return f"{host.lower()}/ansvar"


def signing_key(settings: Settings) -> SigningKey | None:
    log, db = settings.log, settings.database
    try:
        if log.key:
            return SigningKey.parse(log.key)
        if log.key_file:
            if not log.key_file.exists():
                raise SettingsError(f"ANSVAR_LOG_KEY_FILE names {log.key_file}, which does not exist")
            return SigningKey.parse(log.key_file.read_text())
    except NoteError as exc:
        raise SettingsError(f"the log's signing key: {exc}") from exc
    if db.kind == "memory":
        return SigningKey.generate(log.origin or default_origin())
    if db.kind == "sqlite" and db.path is not None:
        return _read_or_create(db.path.parent / FILE_NAME, log.origin or default_origin())
    return None


def origin(settings: Settings, key: SigningKey | None) -> str:
    """The checkpoints' origin: as configured, else the key's name (which it should match)."""
    return settings.log.origin or (key.name if key else default_origin())


def _read_or_create(path: Path, name: str) -> SigningKey:
    private_folder(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        private_file(path)
        try:
            return SigningKey.parse(path.read_text())
        except NoteError as exc:
            raise SettingsError(f"{path} holds no usable log key ({exc}); it signs the checkpoints, so restore it"
                                " rather than delete it") from None
    key = SigningKey.generate(name)
    with os.fdopen(fd, "w") as out:
        out.write(str(key) + "\n")
    return key


def tenant_key(installation: SigningKey | None, origin: str, slug: str) -> SigningKey | None:
    """A municipality's own signer key, derived from the installation's (HKDF-SHA256, the slug as
    its context): every process of the installation signs that municipality's checkpoints with the
    same key without another secret to distribute, and no municipality's key verifies another's."""
    if installation is None:
        return None
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"ansvar tenant log key",
                info=slug.encode()).derive(installation.seed)
    return SigningKey(origin, seed)
