"""``cme trace FILE [--device ID] [--namespace PREFIX] [--json]``: read a ``--json-log`` back.

A busy server's log interleaves hundreds of actors; an operator chasing one call wants
the lines of one line, phone or CTI session, in order. This streams the file (it can be
large), keeps the records that concern the device, and prints them in the same line
format as the live log. Malformed and over-long lines are skipped and counted, not fatal.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import IO, Any, Iterable, Mapping

from actors.trace import namespace_matches
from cme.trace.format import format_line

__all__ = ["MAX_RECORD_BYTES", "device_matches", "trace_main"]

#: Longest JSON line :func:`trace_main` accepts; longer ones count as malformed
#: (and are skipped without being held in memory).
MAX_RECORD_BYTES = 4 * 1024 * 1024


def _device_key(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    return str(value).strip().casefold()


def device_matches(record: Mapping[str, Any], device: str) -> bool:
    """True if the JSON *record* concerns *device*.

    A record matches when its namespace ends with ``.`` + *device* (dotted
    suffix: ``201`` matches ``cme.line.201``, ``SEP001E4A34A35F`` matches
    ``cme.phone.SEP001E4A34A35F``, ``session.3`` matches
    ``cme.cti.session.3``), when its ``device`` field equals *device*, or
    when its ``devices`` list contains it.  Comparison ignores case
    (``sep001e4a34a35f`` finds the phone).  Note the suffix is a dotted one,
    so a bare number also matches a session or monitor with that id; use
    ``session.3`` to be specific.
    """
    want = _device_key(device)
    if not want:
        return False
    namespace = record.get("namespace")
    if isinstance(namespace, str):
        ns = namespace.casefold()
        if ns == want or ns.endswith("." + want):
            return True
    if _device_key(record.get("device")) == want:
        return True
    devices = record.get("devices")
    if isinstance(devices, list):
        return any(_device_key(d) == want for d in devices)
    return False


def _record_line(record: Mapping[str, Any]) -> str:
    text = record.get("text")
    failure = record.get("failure")
    return format_line(
        record.get("time"),
        record.get("namespace"),
        record.get("level"),
        text if isinstance(text, str) else ("" if text is None else str(text)),
        failure if isinstance(failure, str) else None,
    )


def _read_records(stream: IO[bytes]) -> Iterable[tuple[bytes | None, Any]]:
    """Yield ``(raw_line, record)``; ``(None, None)`` for each malformed line."""
    while True:
        raw = stream.readline(MAX_RECORD_BYTES + 1)
        if not raw:
            return
        if len(raw) > MAX_RECORD_BYTES and not raw.endswith(b"\n"):
            # An over-long line: skip the rest of it without holding it.
            while raw and not raw.endswith(b"\n"):
                raw = stream.readline(MAX_RECORD_BYTES)
            yield None, None
            continue
        raw = raw.rstrip(b"\r\n")
        if not raw.strip():
            continue
        try:
            record = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            yield None, None
            continue
        if not isinstance(record, dict):
            yield None, None
            continue
        yield raw, record


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cme trace",
        description="Print the trace of one device from a --json-log file.",
    )
    parser.add_argument("file", help="JSON-lines log written with --json-log")
    parser.add_argument(
        "--device",
        help="line number (201), phone name (SEP001E4A34A35F) or session (session.3); "
        "omit to print every record",
    )
    parser.add_argument(
        "--namespace",
        metavar="PREFIX",
        help="only records whose namespace is PREFIX or below it (e.g. cme.cti)",
    )
    parser.add_argument(
        "--json", action="store_true", help="print the matching records as raw JSON lines"
    )
    return parser


def trace_main(argv: list[str] | None = None) -> int:
    """``cme trace FILE [--device ID] [--namespace PREFIX] [--json]``.

    Streams the file and prints the matching records in file order.  Returns
    0 on success, 2 for bad arguments or a missing/unreadable file.
    Malformed lines are skipped and counted on stderr.
    """
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help or a usage error (message already printed)
        return e.code if isinstance(e.code, int) else 2
    prefix = args.namespace.strip() if args.namespace else None

    try:
        if os.path.isdir(args.file):
            raise IsADirectoryError(f"{args.file}: is a directory")
        stream = open(args.file, "rb")
    except OSError as e:
        reason = e.strerror or str(e)
        if isinstance(e, IsADirectoryError):
            reason = "is a directory"
        print(f"cme trace: cannot read {args.file}: {reason}", file=sys.stderr)
        return 2

    malformed = 0
    out = sys.stdout
    try:
        with stream:
            for raw, record in _read_records(stream):
                if record is None:
                    malformed += 1
                    continue
                if prefix is not None:
                    namespace = record.get("namespace")
                    if not isinstance(namespace, str) or not namespace_matches(namespace, prefix):
                        continue
                if args.device is not None and not device_matches(record, args.device):
                    continue
                if args.json:
                    out.write(raw.decode("utf-8") + "\n")  # type: ignore[union-attr]
                else:
                    out.write(_record_line(record) + "\n")
            out.flush()
    except BrokenPipeError:  # `cme trace ... | head`
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, out.fileno())
        except (OSError, ValueError, AttributeError):
            pass
        return 0
    except OSError as e:  # read error half-way through
        print(f"cme trace: error reading {args.file}: {e.strerror or e}", file=sys.stderr)
        return 2

    if malformed:
        print(
            f"cme trace: skipped {malformed} malformed line{'s' if malformed != 1 else ''} "
            f"in {args.file}",
            file=sys.stderr,
        )
    return 0

