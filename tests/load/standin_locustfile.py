"""A stand-in for load/locustfile.py in the tests of `cme load`: each Locust user is one
SCCP phone of the scenario (CME_LOAD_SCENARIO) that really registers over a socket, timed
as "register"; a rejected or refused registration is a failure by cause. Nothing more:
the call model is the engine's (tests/load/test_engine.py tests that)."""
import itertools
import os
import socket
import time

from locust import User, constant, task

from load.scenario import ENV, Scenario
from sccp import messages as m
from sccp.framing import Decoder, encode
from sccp.station import Registration, Station

SCENARIO = Scenario.from_json(os.environ[ENV])
WORKERS = int(os.environ.get("CME_LOAD_WORKERS", "1"))
_next = itertools.count()


class StepFailed(Exception):
    pass


class Phone(User):
    wait_time = constant(1)

    def on_start(self):
        runner = self.environment.runner
        worker = getattr(runner, "worker_index", 0) or 0
        per_worker = -(-SCENARIO.phones // WORKERS)
        index = worker * per_worker + next(_next)
        self.station = Station(SCENARIO.device_name(index))
        start = time.perf_counter()
        failure = None
        try:
            self.sock = socket.create_connection((SCENARIO.sccp_host, SCENARIO.sccp_port), timeout=SCENARIO.timeout)
            self.decoder = Decoder()
            self.send(self.station.registration_messages())
            while self.station.registration is Registration.REGISTERING:
                data = self.sock.recv(65536)
                if not data:
                    raise StepFailed("lost registration")
                for message in self.decoder.feed(data):
                    self.send(self.station.receive(message))
            if self.station.registration is Registration.REJECTED:
                failure = StepFailed("rejected")
        except ConnectionRefusedError:
            failure = StepFailed("refused")
        except socket.timeout:
            failure = StepFailed("timeout")
        except StepFailed as exc:
            failure = exc
        self.environment.events.request.fire(
            request_type="SCCP", name="register", response_time=(time.perf_counter() - start) * 1000,
            response_length=0, exception=failure, context={})

    def send(self, messages):
        for message in messages:
            self.sock.sendall(encode(message))

    @task
    def idle(self):
        pass

    def on_stop(self):
        sock = getattr(self, "sock", None)
        if sock is not None:
            sock.close()
