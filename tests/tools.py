"""What the interop tests share: a system tool they need, and a child process run under
the reactor (the phones and servers of a test live in the reactor, so it must keep
running while the tool does)."""
import os
import shutil

import pytest
from twisted.internet import defer, error, protocol


def need(tool: str, package: str, what: str = "this interop test") -> str:
    """The tool's path; a visible skip without it, or a failure when CI=true (.ci/run
    installs every tool the tests name)."""
    path = shutil.which(tool)
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{tool} (Debian package {package}) is required when CI=true")
        pytest.skip(f"{tool} not installed (apt install {package}): {what} did not run")
    return path


class Child(protocol.ProcessProtocol):
    """`done` fires with (exit code, output) when the process exits."""

    def __init__(self):
        self.output = []
        self.done = defer.Deferred()

    def outReceived(self, data):
        self.output.append(data)

    errReceived = outReceived

    def processEnded(self, reason):
        code = reason.value.exitCode if reason.check(error.ProcessTerminated) else 0
        self.done.callback((code, b"".join(self.output).decode(errors="replace")))
