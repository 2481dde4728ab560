"""The embedded default needs no configuration: when nothing says how to verify tokens and the
data lives in a SQLite file, a random HS256 secret is made on first run and kept beside the
database (`data/auth-secret`, readable only by its owner). `ansvar token issue` and the demo
use the same file, so their tokens work against `ansvar serve`."""

from __future__ import annotations

import os
import secrets
from dataclasses import replace
from pathlib import Path

from infra.private_files import private_file, private_folder
from infra.settings import MIN_SECRET_LENGTH, Settings, SettingsError

FILE_NAME = "auth-secret"


def secret_file(settings: Settings) -> Path | None:
    db = settings.database
    return db.path.parent / FILE_NAME if db.kind == "sqlite" and db.path is not None else None


def with_local_secret(settings: Settings) -> Settings:
    path = secret_file(settings)
    if settings.auth.configured or path is None:
        return settings
    return replace(settings, auth=replace(settings.auth, secret=_read_or_create(path)))


def _read_or_create(path: Path) -> str:
    private_folder(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        private_file(path)
        secret = path.read_text().strip()
        if len(secret) < MIN_SECRET_LENGTH:
            raise SettingsError(f"{path} holds no usable secret; delete it to make a new one") from None
        return secret
    secret = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w") as out:
        out.write(secret + "\n")
    return secret
