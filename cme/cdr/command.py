"""`cme cdr FILE [--since S] [--number N] [--csv|--json]`: CDR files read back.

FILE is a .jsonl or .csv file the server wrote (cme/cdr/files.py), or a directory of them
(every .jsonl file in it). One record a line: text by default, the file formats with
--json/--csv. A file that cannot be read as CDRs is one line on stderr and exit status 2;
a skipped line (a torn last line, a line that is not a record) is noted on stderr.
"""
from __future__ import annotations

import argparse
import sys

from cme.cdr.files import CSV_HEADER, csv_text, json_line
from cme.cdr.reader import CdrFileError, read_paths, select, since_time
from cme.cdr.text import one_line


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # a usage error: one line, exit 2 (argparse's own prints usage too)
        self.exit(2, f"cme cdr: {message}\n")


def main(argv: list[str]) -> int:
    p = _Parser(prog="cme cdr", description="Print call detail records from the server's CDR files.")
    p.add_argument("file", metavar="FILE", help="a .jsonl or .csv CDR file, or a directory of them")
    p.add_argument("--since", metavar="S", help="only legs set up since S: an ISO time (UTC unless it says), "
                                                "or 30m, 1h, 2d ago")
    p.add_argument("--number", metavar="N", help="only legs whose line, calling, called or peer number is N "
                                                 "(N* : starts with N)")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--csv", action="store_true", help="CSV, with its header row")
    fmt.add_argument("--json", action="store_true", help="JSON lines")
    args = p.parse_args(argv)
    try:
        since = since_time(args.since) if args.since else None
    except ValueError as e:
        print(f"cme cdr: {e}", file=sys.stderr)
        return 2
    try:
        got = read_paths(args.file)
    except CdrFileError as e:
        print(f"cme cdr: {e}", file=sys.stderr)
        return 2
    for note in got.notes:
        print(f"cme cdr: {note}", file=sys.stderr)
    records = select(got.records, since=since, number=args.number)
    out = sys.stdout
    if args.csv:
        out.write(CSV_HEADER + csv_text(records))
    elif args.json:
        out.write("".join(json_line(r) for r in records))
    else:
        out.write("".join(one_line(r) + "\n" for r in records))
    out.flush()
    return 0
