"""Forward-all, do-not-disturb and message-waiting survive a restart.

Phones and CTI change these at run time; the configuration model holds them (so `show
running-config` shows them) and this store writes them to a small JSON file in the state
directory on every change, atomically (temporary file, fsync, rename), keyed by DN number.
At start-up the file is applied over the configuration: it is newer than the file the
operator wrote. A change that cannot be written is not made at all (FeatureSaveError: the
line keeps its state and says so, actors/line_features.py). `write memory` folds the same state into the configuration itself.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from actors.trace import TraceLogger

log = TraceLogger(namespace="cme.features")
MAX_BYTES = 4 * 2**20


class FeatureSaveError(OSError):
    """The feature state could not be written (disk full, directory gone or read-only):
    the change it carried must not be acknowledged."""


class FeatureStore:
    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)

    @staticmethod
    def snapshot(config) -> dict[str, dict]:
        out = {}
        for dn in config.ephone_dns.values():
            if dn.number:
                out[dn.number] = {
                    "call_forward_all": dn.call_forward_all,
                    "do_not_disturb": dn.do_not_disturb,
                    "message_waiting": dn.message_waiting,
                }
        return out

    def load(self, config) -> int:
        """Apply the saved state to `config`; returns how many DNs it changed. A missing
        file is a first start; an unreadable one is logged and ignored (nothing lost:
        the configuration's own values stay)."""
        try:
            if self.path.stat().st_size > MAX_BYTES:
                raise ValueError(f"larger than {MAX_BYTES} bytes")
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
        except FileNotFoundError:
            return 0
        except (OSError, ValueError) as e:
            log.error("feature state {path} ignored: {error}", path=str(self.path), error=str(e))
            return 0
        changed = 0
        for dn in config.ephone_dns.values():
            saved = data.get(dn.number or "")
            if not isinstance(saved, dict):
                continue
            cfa = saved.get("call_forward_all")
            if cfa is not None and not (isinstance(cfa, str) and cfa.isdigit()):
                continue
            dn.call_forward_all = cfa
            dn.do_not_disturb = bool(saved.get("do_not_disturb"))
            dn.message_waiting = bool(saved.get("message_waiting"))
            changed += 1
        return changed

    def save(self, config) -> None:
        """Write the state of every DN, durably; raises FeatureSaveError when it cannot
        (the previous file, if any, is left as it was)."""
        text = json.dumps(self.snapshot(config), indent=1, sort_keys=True)
        tmp = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".features.", dir=self.path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except OSError as e:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)
            log.error("cannot save feature state to {path}: {error}", path=str(self.path), error=str(e))
            raise FeatureSaveError(e.errno, f"cannot save feature state to {self.path}: {e.strerror or e}") from e
