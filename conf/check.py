"""`cme check-config FILE [--strict] [--verbose]`: print a configuration's findings.

One finding per line, `FILE:LINE: message` (FILE as given), then `FILE: valid` (with the
number of warnings) when nothing fails. Exit status: 0 when there
are no errors (warnings alone are fine unless --strict), 1 when there are errors, 2
when the file cannot be used at all (the message goes to standard error).
"""

from __future__ import annotations

import argparse
import sys

from conf.load import ConfigError, load_file


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["check-config"]:
        args = args[1:]
    parser = argparse.ArgumentParser(prog="cme check-config", description=__doc__.splitlines()[0])
    parser.add_argument("file", help="the configuration file")
    parser.add_argument("--strict", action="store_true", help="warnings count as errors too")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="echo each bad line with a caret under the offending word")
    options = parser.parse_args(args)
    try:
        result = load_file(options.file)
    except ConfigError as e:
        print(f"cme check-config: {e}", file=sys.stderr)
        return 2
    for finding in result.findings:
        print(finding.display() if options.verbose else str(finding))
    failing = result.findings if options.strict else result.errors
    if not failing:  # say so, as an administrator expects; the lines above stay grep-able
        warnings = len(result.findings)
        print(f"{options.file}: valid" + (f", {warnings} warning{'s' if warnings != 1 else ''}" if warnings else ""))
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
