"""`cme csta` — a uaCSTA client on the command line (Office Communicator's side).

    cme csta [--config FILE] [--server HOST:PORT] --line 201 monitor
    cme csta --line 201 [--follow] make-call 202 [prompt] | answer | clear | hold | retrieve
                                 | deflect N | transfer [N] | consult N | digits 123#
                                 | dnd on|off | forward on N|off | mwi on|off | snapshot
                                 | dial-via-office DEST [REMOTE]

`monitor` opens a CTI session on the line, starts a monitor and prints each event as it
comes, one line each, until Ctrl-C, which stops the monitor and ends the session with BYE.
Every other command sends one request over its own session and prints the response; with
`--follow` it starts a monitor first (so the request's own first events are shown), keeps the
session open afterwards and prints the events; a snapshot of an idle line prints "no calls".
The call commands act on the line's call in the fitting state (found with SnapshotDevice):
`transfer N` is SingleStepTransferCall of the call in progress to N; `transfer` alone is
TransferCall, joining the held call with the active (consultation) one; `consult N` holds
the call and calls N (ConsultationCall); `digits` is GenerateDigits. `dial-via-office DEST`
(CME 8.8) has the server ring the line's remote phone first (REMOTE, by default the
number of the DN's `snr` in --config), then DEST: MakeCall with the remote phone as the
calling device and autoOriginate prompt.
"""
from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from xml.sax.saxutils import escape

from lxml import etree

import conf
from sip.client import ED3, SIPError, connect, csta

DEFAULT_CONFIG = Path(conf.__file__).parent / "cme.cfg"


def describe(body: bytes) -> str:
    """One line for an event: its name, then the text of each field (device IDs unwrapped)."""
    try:
        root = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return body.decode("utf-8", "replace")[:200]
    parts = [etree.QName(root).localname]
    for child in root:
        name = etree.QName(child).localname
        if name == "monitorCrossRefID":
            continue
        text = " ".join(t.strip() for t in child.itertext() if t.strip())
        ids = [etree.QName(x).localname for x in child.iter() if len(x) == 0 and not (x.text or "").strip()]
        parts.append(f"{name}={text or (ids[-1] if ids else '')}")
    return " ".join(parts)


def describe_response(body: bytes) -> str:
    """A response's line; a snapshot of an idle line says so."""
    text = describe(body)
    try:
        root = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return text
    if etree.QName(root).localname == "SnapshotDeviceResponse" and \
            not list(root.iter(f"{{{ED3}}}snapshotDeviceResponseInfo")):
        return "SnapshotDeviceResponse: no calls"
    return text


SERVICES = ("make-call", "dial-via-office", "answer", "clear", "hold", "retrieve", "deflect", "transfer", "consult", "digits",
            "dnd", "forward", "mwi", "snapshot")
_WANTED = {"answer": ("alerting",), "clear": ("connected", "alerting", "hold", "initiated", "fail"),
           "hold": ("connected",), "retrieve": ("hold",), "deflect": ("alerting",),
           "transfer": ("connected", "hold"), "consult": ("connected",), "digits": ("connected",)}
CALL_COMMANDS = tuple(_WANTED)
# command -> (request, its connection field, the element for the command's argument)
_ELEMENT = {"answer": ("AnswerCall", "callToBeAnswered", None),
            "clear": ("ClearConnection", "connectionToBeCleared", None),
            "hold": ("HoldCall", "callToBeHeld", None), "retrieve": ("RetrieveCall", "callToBeRetrieved", None),
            "deflect": ("DeflectCall", "callToBeDiverted", "newDestination"),
            "transfer": ("SingleStepTransferCall", "activeCall", "transferredTo"),
            "consult": ("ConsultationCall", "existingCall", "consultedDevice"),
            "digits": ("GenerateDigits", "connectionToSendDigits", "charactersToSend")}


def _on_off(arguments: list[str], what: str) -> bool:
    if not arguments or arguments[0] not in ("on", "off"):
        raise ValueError(f"{what} takes on or off")
    return arguments[0] == "on"


def _call_in(snapshot: bytes | None, states) -> str:
    """The callID of the line's call in the first of `states` it has a call in, from a
    SnapshotDeviceResponse."""
    root = etree.fromstring(snapshot) if snapshot else None
    infos = list(root.iter(f"{{{ED3}}}snapshotDeviceResponseInfo")) if root is not None else []
    for wanted in states:
        for info in infos:
            if info.findtext(f".//{{{ED3}}}localConnectionState") == wanted:
                return info.findtext(f".//{{{ED3}}}callID") or ""
    return ""


def build_request(command: str, line: str, arguments: list[str], snapshot: bytes | None) -> bytes:
    """The CSTA request for a command (ValueError for bad arguments)."""
    ns = f' xmlns="{ED3}"'
    device = f"<device>{line}</device>"
    if command == "make-call":
        if len(arguments) not in (1, 2) or arguments[1:] not in ([], ["prompt"]):
            raise ValueError("make-call takes the number to call, then optionally 'prompt'")
        mode = "prompt" if arguments[1:] else "doNotPrompt"
        return csta(f"<MakeCall{ns}><callingDevice>{line}</callingDevice><calledDirectoryNumber>{arguments[0]}"
                    f"</calledDirectoryNumber><autoOriginate>{mode}</autoOriginate></MakeCall>")
    if command == "dial-via-office":
        if len(arguments) != 2:
            raise ValueError("dial-via-office takes the destination, then the remote phone's number "
                             "(by default the DN's snr number in the configuration)")
        destination, remote = arguments
        return csta(f"<MakeCall{ns}><callingDevice>{escape(remote)}</callingDevice><calledDirectoryNumber>"
                    f"{escape(destination)}</calledDirectoryNumber><autoOriginate>prompt</autoOriginate></MakeCall>")
    if command == "transfer" and not arguments:
        held = _call_in(snapshot, ("hold",)) if snapshot is not None else "0"
        active = _call_in(snapshot, ("connected",)) if snapshot is not None else "0"
        return csta(f"<TransferCall{ns}><heldCall><callID>{held or 0}</callID><deviceID>{line}</deviceID></heldCall>"
                    f"<activeCall><callID>{active or 0}</callID><deviceID>{line}</deviceID></activeCall></TransferCall>")
    if command == "dnd":
        on = _on_off(arguments, "dnd")
        return csta(f"<SetDoNotDisturb{ns}>{device}<doNotDisturbOn>{str(on).lower()}</doNotDisturbOn></SetDoNotDisturb>")
    if command == "forward":
        on = _on_off(arguments, "forward")
        if on and len(arguments) != 2:
            raise ValueError("forward on takes the number to forward to")
        target = f"<forwardDN>{arguments[1]}</forwardDN>" if on else ""
        return csta(f"<SetForwarding{ns}>{device}<forwardingType>forwardImmediate</forwardingType>"
                    f"<activateForward>{str(on).lower()}</activateForward>{target}</SetForwarding>")
    if command == "mwi":
        on = _on_off(arguments, "mwi")
        return csta(f"<SetMessageWaitingIndicator{ns}>{device}<messageWaitingOn>{str(on).lower()}"
                    "</messageWaitingOn></SetMessageWaitingIndicator>")
    if command == "snapshot":
        return csta(f"<SnapshotDevice{ns}><snapshotObject>{line}</snapshotObject></SnapshotDevice>")
    root, field, argument = _ELEMENT[command]
    if (len(arguments) != 1) if argument else arguments:
        raise ValueError(f"{command} takes {'one argument' if argument else 'no argument'}")
    extra = f"<{argument}>{escape(arguments[0])}</{argument}>" if argument else ""
    call_id = _call_in(snapshot, _WANTED[command]) if snapshot is not None else "0"
    return csta(f"<{root}{ns}><{field}><callID>{call_id or 0}</callID><deviceID>{line}</deviceID></{field}>"
                f"{extra}</{root}>")


def snr_number(config_path: str, line: str) -> str:
    """The remote phone of DN `line`: its `snr NUMBER` in the configuration."""
    dn = conf.load_file(config_path).config.dn_by_number(line)
    if dn is None or dn.snr is None:
        raise ValueError(f"ephone-dn {line} has no 'snr NUMBER' in {config_path}: name the remote phone")
    return dn.snr.number


def server_address(args) -> tuple[str, int]:
    if args.server:
        host, _, port = args.server.rpartition(":")
        return host or "127.0.0.1", int(port)
    config = conf.load_file(args.config).config
    g = config.register_global
    return g.source_address or "127.0.0.1", g.port


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="cme csta", description=__doc__.splitlines()[0])
    ap.add_argument("--config", default=str(DEFAULT_CONFIG), help="where the server listens (voice register global)")
    ap.add_argument("--server", help="HOST:PORT of the CTI (SIP) interface, instead of the configuration's")
    ap.add_argument("--line", required=True, help="the directory number, e.g. 201")
    ap.add_argument("--follow", action="store_true", help="after the request, print events until Ctrl-C")
    ap.add_argument("command", choices=["monitor", *SERVICES])
    ap.add_argument("arguments", nargs="*")
    args = ap.parse_args(argv)
    if args.command == "dial-via-office" and len(args.arguments) == 1:
        try:
            remote = snr_number(args.config, args.line)
        except (conf.ConfigError, OSError, ValueError) as e:
            print(f"cme csta: {e}", file=sys.stderr)
            return 2
        args.arguments.append(remote)
    if args.command != "monitor":
        try:
            build_request(args.command, args.line, args.arguments, None)
        except ValueError as e:
            ap.error(str(e))
    try:
        host, port = server_address(args)
    except (conf.ConfigError, ValueError) as e:
        print(f"cme csta: {e}", file=sys.stderr)
        return 2

    from twisted.internet import defer, reactor

    outcome = {"code": 0}

    stop = defer.Deferred()
    # Before anything is printed: a caller may send SIGINT as soon as it sees output.
    signal.signal(signal.SIGINT, lambda *_: reactor.callFromThread(lambda: stop.called or stop.callback(None)))

    @defer.inlineCallbacks
    def run():
        try:
            client = yield connect(reactor, host, port, on_event=lambda body: print(describe(body), flush=True))
            yield client.open(args.line)
            xref = None
            if args.command == "monitor" or args.follow:  # before the request: its first events show
                body = yield client.request(csta(f'<MonitorStart xmlns="{ED3}"><monitorObject><deviceObject>'
                                                 f'tel:{args.line}</deviceObject></monitorObject></MonitorStart>'))
                print(describe(body), flush=True)
                if b"CSTAErrorCode" in body:
                    outcome["code"] = 1
                    yield client.close()
                    return
                xref = etree.fromstring(body).findtext(f"{{{ED3}}}monitorCrossRefID") or ""
            if args.command != "monitor":
                snapshot = None
                if args.command in CALL_COMMANDS:
                    snapshot = yield client.request(build_request("snapshot", args.line, [], None))
                body = yield client.request(build_request(args.command, args.line, args.arguments, snapshot))
                print(describe_response(body), flush=True)
                if b"CSTAErrorCode" in body:
                    outcome["code"] = 1
                if not args.follow:
                    yield client.close()
                    return
            yield defer.DeferredList([stop, client.closed], fireOnOneCallback=True)
            if not client.closed.called:
                yield client.request(csta(f'<MonitorStop xmlns="{ED3}"><monitorCrossRefID>{xref}'
                                          '</monitorCrossRefID></MonitorStop>'))
                yield client.close()
        except SIPError as e:
            print(f"cme csta: the server refused the session: {e}", file=sys.stderr)
            outcome["code"] = 1
        except Exception as e:  # connection refused, lost, …: one line, not a traceback
            print(f"cme csta: {e.__class__.__name__}: {e}", file=sys.stderr)
            outcome["code"] = 1
        finally:
            reactor.stop()

    reactor.callWhenRunning(run)
    reactor.run(installSignalHandlers=False)
    return outcome["code"]
