"""The SSH server's host key: generated once, then read back on every start.

Clients pin the host key, so it must survive restarts. It is written atomically (temporary
file in the same directory, mode 0600 from creation, fsync, rename), so a crash never leaves
a half-written or world-readable key.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from twisted.conch.ssh import keys
from twisted.logger import Logger

log = Logger(namespace="cme.cli")

KEY_FILE_NAME = "ssh_host_ed25519_key"


class HostKeyError(Exception):
    """The host key file exists but cannot be used."""


def default_host_key_path(config_path: str | None = None) -> Path:
    """Where the key lives when the caller does not say: the user's state directory.

    Not next to the configuration file: that is usually in a source tree or /etc, and a
    private key has no business in either.
    """
    state = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(state) / "cme-cti" / KEY_FILE_NAME


def _generate() -> bytes:
    private = ed25519.Ed25519PrivateKey.generate()
    return private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    )


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)  # mkstemp already creates 0600; say it anyway
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        # link() instead of replace(): if another process created the key meanwhile, keep
        # theirs, so two servers sharing a state directory agree on one key.
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
    finally:
        Path(tmp).unlink(missing_ok=True)


def load_or_create(path: str | os.PathLike[str]) -> keys.Key:
    """The private host key at `path`, generating it first if the file does not exist."""
    path = Path(path)
    if not path.exists():
        try:
            _write_private(path, _generate())
        except OSError as e:
            raise HostKeyError(f"cannot create SSH host key {path}: {e.strerror or e}") from e
        log.info("generated SSH host key {path}", path=str(path))
    try:
        key = keys.Key.fromFile(str(path))
    except (OSError, keys.BadKeyError, ValueError) as e:
        raise HostKeyError(f"cannot read SSH host key {path}: {e}") from e
    if key.isPublic():
        raise HostKeyError(f"{path} holds a public key; the server needs the private key")
    return key
