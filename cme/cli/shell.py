"""The interactive exec shell: prompt, line editing, history, `?` help and Tab completion.

A `twisted.conch.recvline.HistoricRecvLine` driven by an insults `ServerProtocol`, the same
over SSH and telnet. It only moves text: parsing and the commands are in
`cme.cli.commands`.
"""
from __future__ import annotations

from twisted.conch import recvline
from twisted.logger import Logger, globalLogPublisher

from cme.cli.builtin import default_table, hostname
from cme.cli.commands import CommandTable, Context
from cme.trace.format import format_event, is_servers

log = Logger(namespace="cme.cli")

CTRL_A, CTRL_C, CTRL_D, CTRL_E = b"\x01", b"\x03", b"\x04", b"\x05"
CTRL_H, CTRL_N, CTRL_P, CTRL_U = b"\x08", b"\x0e", b"\x10", b"\x15"
CTRL_Z = b"\x1a"


class CLIShell(recvline.HistoricRecvLine):
    """One exec session. `app` is the application; `table` the commands it can run."""

    def __init__(self, app, table: CommandTable | None = None, *, username: str = "",
                 peer: str = "", transport: str = "ssh") -> None:
        self.app = app
        self.table = table if table is not None else default_table()
        self.username = username
        self.peer = peer
        self.transport_name = transport
        self._last_key = None
        self.context = Context(app, self._output, username=username, peer=peer)
        self.context.monitor = self.set_monitor
        self.context.interactive = True
        self.context.run_exec = lambda line, ctx: self.table.execute(line, ctx, indent=len(self.prompt()))
        self._monitor = None  # the log observer `terminal monitor` added, while it is on
        self.publisher = globalLogPublisher  # what `terminal monitor` observes
        self.schedule = None  # how an event reaches the screen (default: reactor.callFromThread)

    # ---- screen

    def prompt(self) -> bytes:
        # Read every time: the hostname can change while the session is open.
        configuring = self.context.configuring
        if configuring is not None:
            return configuring.prompt(hostname(self.app)).encode("utf-8", "replace")
        return f"{hostname(self.app)}#".encode("utf-8", "replace")

    def connectionMade(self) -> None:
        super().connectionMade()
        self.keyHandlers.update({
            b"?": self.handle_HELP,
            self.terminal.TAB: self.handle_COMPLETE,
            CTRL_A: self.handle_HOME,
            CTRL_E: self.handle_END,
            CTRL_H: self.handle_BACKSPACE,
            CTRL_C: self.handle_INTERRUPT,
            CTRL_D: self.handle_EOF,
            CTRL_U: self.handle_KILL_LINE,
            CTRL_Z: self.handle_CTRL_Z,
            CTRL_P: self.handle_UP,
            CTRL_N: self.handle_DOWN,
        })
        log.info("exec session started for {user} from {peer} over {transport}",
                 user=self.username, peer=self.peer, transport=self.transport_name)

    def connectionLost(self, reason=None) -> None:
        self.set_monitor(False)
        log.info("exec session ended for {user} from {peer}", user=self.username, peer=self.peer)

    def initializeScreen(self) -> None:
        # Unlike manhole, do not reset (clear) the user's terminal: IOS just prints a prompt.
        self.setInsertMode()
        self.terminal.write(b"\n")
        self.drawInputLine()

    def drawInputLine(self) -> None:
        text = b"".join(self.lineBuffer)
        self.terminal.write(self.prompt() + text)
        behind = len(self.lineBuffer) - self.lineBufferIndex
        if behind > 0:
            self.terminal.cursorBackward(behind)

    def terminalSize(self, width: int, height: int) -> None:
        # The base class clears the screen on every resize; a CLI only needs the numbers.
        self.width, self.height = width, height
        self.context.width = width

    # ---- terminal monitor: the server's log, live, on this session (IOS)

    def set_monitor(self, on: bool) -> bool:
        """Start or stop showing log lines here; whether it was on before."""
        was = self._monitor is not None
        if on and not was:
            self._monitor = self._observe
            self.publisher.addObserver(self._monitor)
        elif not on and was:
            self.publisher.removeObserver(self._monitor)
            self._monitor = None
        return was

    def _observe(self, event) -> None:
        if not is_servers(event):
            return
        schedule = self.schedule
        if schedule is None:  # events may come from any thread; the screen is the reactor's
            from twisted.internet import reactor
            schedule = reactor.callFromThread
        schedule(self._monitor_line, format_event(event))

    def _monitor_line(self, line: str) -> None:
        if self._monitor is None or self.terminal is None or self.terminal.transport is None:
            return
        self.terminal.write(b"\r")
        self.terminal.eraseLine()
        self._output(line + "\n")
        self.drawInputLine()  # the prompt and what was being typed come back below it

    def _output(self, text: str) -> None:
        # insults' write turns every LF into CR LF itself.
        self.terminal.write(text.replace("\r\n", "\n").encode("utf-8", "replace"))

    def _buffer_text(self, end: int | None = None) -> str:
        data = b"".join(self.lineBuffer if end is None else self.lineBuffer[:end])
        return data.decode("utf-8", "replace")

    # ---- keys

    def keystrokeReceived(self, keyID, modifier) -> None:
        # Terminals send CR, CR LF or LF for Enter; one Enter must run one command.
        last, self._last_key = self._last_key, keyID
        if keyID == b"\n" and last == b"\r":
            return
        super().keystrokeReceived(keyID, modifier)

    def handle_HELP(self) -> None:
        """`?`: print the help for what is left of the cursor, then redraw the line."""
        self.terminal.write(b"?\n")
        text = self._buffer_text(self.lineBufferIndex)
        configuring = self.context.configuring
        if configuring is not None:
            self._output(configuring.help(text))
        else:
            self._output(self.table.help(text, width=self.width or 80, indent=len(self.prompt())))
        self.drawInputLine()

    def handle_COMPLETE(self) -> None:
        if self.lineBufferIndex != len(self.lineBuffer):
            return
        completed = self.table.complete(self._buffer_text())
        if completed is None:
            self.terminal.write(b"\x07")
            return
        self._replace_line(completed.encode("utf-8"))

    def _replace_line(self, data: bytes) -> None:
        self.handle_HOME()
        self.terminal.eraseToLineEnd()
        self.lineBuffer, self.lineBufferIndex = [], 0
        self._deliverBuffer(data)

    def handle_KILL_LINE(self) -> None:
        self._replace_line(b"")

    def handle_INTERRUPT(self) -> None:
        self.lineBuffer, self.lineBufferIndex = [], 0
        self.terminal.write(b"^C\n")
        self.drawInputLine()

    def handle_EOF(self) -> None:
        if self.lineBuffer:
            self.handle_DELETE()
            return
        self.terminal.write(b"\n")
        self._close("end of input")

    # ---- commands

    def lineReceived(self, line: bytes) -> None:
        text = line.decode("utf-8", "replace")
        self.context.history = [h.decode("utf-8", "replace") for h in self.historyLines]
        if text.strip():
            log.debug("{user}@{peer}: {command}", user=self.username, peer=self.peer, command=text)
        configuring = self.context.configuring
        if configuring is not None:
            try:
                if not configuring.line(text, self.context, indent=len(self.prompt())):
                    self._leave_configuration()
            except Exception:  # a bug in one line must not end the session
                log.failure("configuration line {command!r} failed", command=text)
                self._output("% Internal error; see the server log\n")
            self.drawInputLine()
            return
        try:
            result = self.table.execute(text, self.context, indent=len(self.prompt()))
        except Exception:  # a bug in one command must not end the session
            log.failure("exec command {command!r} failed", command=text)
            self._output("% Internal error; see the server log\n")
        else:
            if result.close:
                self._close("exit")
                return
        self.drawInputLine()

    def _leave_configuration(self) -> None:
        self.context.configuring = None
        log.info("%SYS-5-CONFIG_I: Configured from console by {user} on vty ({peer})", user=self.username,
                 peer=self.peer)

    def handle_CTRL_Z(self) -> None:
        if self.context.configuring is not None:
            self.terminal.write(b"^Z\n")
            self._leave_configuration()
            self.lineBuffer, self.lineBufferIndex = [], 0
            self.drawInputLine()

    def _close(self, why: str) -> None:
        log.info("{user} from {peer} logged out ({why})", user=self.username, peer=self.peer, why=why)
        # Not terminal.loseConnection(): that sends a terminal reset, which clears the
        # user's screen; IOS leaves it alone.
        self.terminal.transport.loseConnection()
