"""The locustfile of `cme load`: `python -m locust -f load/locustfile.py --host HOST:PORT ...`
with CME_LOAD_SCENARIO set. One user class, a phone (load/users.py); a load shape only when
the scenario's shape is ramp or spike (steady is Locust's own -u/-r)."""
from locust import LoadTestShape

from load.shapes import users_at
from load.users import PhoneUser, scenario

__all__ = ["PhoneUser"]

if scenario().shape.kind in ("ramp", "spike"):
    class ScenarioShape(LoadTestShape):
        """The scenario's ramp or spike."""

        def tick(self):
            options = self.runner.environment.parsed_options if self.runner else None
            return users_at(scenario(), self.get_run_time(), getattr(options, "run_time", None))

    __all__.append("ScenarioShape")
