"""`cme csta` — a uaCSTA client on the command line (Office Communicator's side).

    cme csta [--config FILE] [--server HOST:PORT] --line 201 monitor

opens a CTI session on the line, starts a monitor and prints each event as it comes, one
line each (`DeliveredEvent 201 connection 12@202 alerting 202 calling 201 cause newCall`),
until Ctrl-C, which stops the monitor and ends the session with BYE. The service commands
(make-call, answer, …) arrive with the call-control services.
"""
from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

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
    ap.add_argument("command", choices=["monitor"])
    args = ap.parse_args(argv)
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
            body = yield client.request(csta(f'<MonitorStart xmlns="{ED3}"><monitorObject><deviceObject>'
                                             f'tel:{args.line}</deviceObject></monitorObject></MonitorStart>'))
            print(describe(body), flush=True)
            if b"CSTAErrorCode" in body:
                outcome["code"] = 1
                yield client.close()
                return
            xref = etree.fromstring(body).findtext(f"{{{ED3}}}monitorCrossRefID") or ""
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
