"""One state table per kind of thing, shared by every object of that kind.

A `transitions.Machine` per phone or per session costs tens of KiB each; here one Machine
per kind holds the table, built once at import, and models are plain objects with a
`state` attribute. The machine is triggered for a model with `fire(model, trigger)`; it
never keeps a reference to the model, so nothing leaks when a phone goes away.
"""
from __future__ import annotations

from typing import Any, Iterable

from transitions import Machine, MachineError

TABLES: dict[str, "StateTable"] = {}


class IllegalEvent(Exception):
    """A trigger that the table does not allow in the model's current state."""

    def __init__(self, table: str, state: str, trigger: str) -> None:
        super().__init__(f"{table}: '{trigger}' is not allowed in state '{state}'")
        self.table, self.state, self.trigger = table, state, trigger


class StateTable:
    """A named transition table: states, legal triggers, and the callbacks they name.

    `transitions` is a list of dicts in the transitions library's format
    (trigger, source, dest, and optional conditions/before/after naming model methods).
    `dest=None` marks an internal transition: callbacks run, the state stays.
    """

    def __init__(self, name: str, states: list[str], transitions: list[dict], initial: str, *, doc: str = "", register: bool = True) -> None:
        self.name = name
        self.doc = doc
        self.states = list(states)
        self.transitions = [dict(t) for t in transitions]
        self.initial = initial
        self.machine = Machine(
            model=None,
            states=self.states,
            transitions=self.transitions,
            initial=initial,
            auto_transitions=False,
            queued=False,
            ignore_invalid_triggers=False,
        )
        self._plain = self._plain_rows()
        self._legal, self._free = self._legal_pairs()
        if register:  # drawn by `make diagrams`
            TABLES[name] = self

    _CALLBACKS = ("conditions", "unless", "before", "after", "prepare")

    def _plain_rows(self) -> dict[tuple[str, str], str | None]:
        """(state, trigger) -> destination, for the rows that only move the state (no
        condition or callback, the only row for that state and trigger). Firing one is
        `model.state = dest`, without the library's event machinery: most rows are like
        this, and an actor fires several per call step."""
        rows: dict[tuple[str, str], list] = {}
        for t in self.transitions:
            sources = t["source"]
            for src in self.states if sources == "*" else ([sources] if isinstance(sources, str) else sources):
                rows.setdefault((src, t["trigger"]), []).append(t)
        return {key: (None if found[0].get("dest") in (None, "=") else found[0]["dest"])
                for key, found in rows.items()
                if len(found) == 1 and not any(found[0].get(k) for k in self._CALLBACKS)}

    def _legal_pairs(self) -> tuple[frozenset, frozenset]:
        """The (state, trigger) pairs with a row, and those with a row that has no
        condition: `can` and most of `allows` are one set look-up (the machine's events
        and their rows, which the two read otherwise, never change after it is built)."""
        legal, free = set(), set()
        for trigger, event in self.machine.events.items():
            for state, rows in event.transitions.items():
                legal.add((state, trigger))
                if any(not row.conditions for row in rows):
                    free.add((state, trigger))
        return frozenset(legal), frozenset(free)

    def start(self, model: Any) -> None:
        """Put `model` in the initial state."""
        model.state = self.initial

    def fire(self, model: Any, trigger: str, *args: Any, **kwargs: Any) -> bool:
        """Apply `trigger` to `model`. Returns False when a condition vetoed it;
        raises IllegalEvent when the trigger is not legal in the current state."""
        key = (model.state, trigger)
        if key in self._plain:
            dest = self._plain[key]
            if dest is not None:
                model.state = dest
            return True
        event = self.machine.events.get(trigger)
        if event is None:
            raise IllegalEvent(self.name, model.state, trigger)
        try:
            return event.trigger(model, *args, **kwargs)
        except MachineError:
            raise IllegalEvent(self.name, model.state, trigger) from None

    def allows(self, model: Any, trigger: str) -> bool:
        """Whether `trigger` would fire for `model` now: legal in its state, and every
        condition of some row for that state holds. Asking never changes the model, so an
        actor checks first and answers a refusal as an ordinary outcome."""
        key = (model.state, trigger)
        if key in self._free:  # a row without conditions: nothing to evaluate
            return True
        if key not in self._legal:
            return False
        event = self.machine.events.get(trigger)
        rows = event.transitions.get(model.state) if event is not None else None
        if not rows:
            return False
        return any(all(_holds(model, cond) for cond in row.conditions) for row in rows)

    def try_fire(self, model: Any, trigger: str, *args: Any, **kwargs: Any) -> bool:
        """`fire` for an actor to whom a refused event is an ordinary outcome (answered,
        logged, nothing changes) rather than a bug: False when the trigger is not legal in
        the current state or a condition vetoed it, True when the row ran. An exception
        raised by a callback the row names still propagates: that is a bug."""
        if not self.can(model.state, trigger):
            return False
        return self.fire(model, trigger, *args, **kwargs)

    def can(self, state: str, trigger: str) -> bool:
        return (state, trigger) in self._legal

    def conditions(self, state: str, trigger: str) -> list[list[str]]:
        """The conditions of each row of `trigger` from `state` ([] for an unconditional row)."""
        event = self.machine.events.get(trigger)
        rows = event.transitions.get(state, []) if event is not None else []
        return [[c.func if c.target else f"not {c.func}" for c in row.conditions] for row in rows]

    def triggers(self, state: str) -> list[str]:
        """The triggers legal in `state`, in table order."""
        return [name for name, ev in self.machine.events.items() if state in ev.transitions]

    def edges(self) -> Iterable[tuple[str, str, str]]:
        """(source, trigger, dest) for every row; dest equals source for internal rows."""
        for t in self.transitions:
            sources = t["source"]
            for src in self.states if sources == "*" else ([sources] if isinstance(sources, str) else sources):
                dest = t.get("dest")
                yield src, t["trigger"], src if dest in (None, "=") else dest

    def mermaid(self) -> str:
        """The table as a mermaid stateDiagram, generated from the rows themselves."""
        lines = ["stateDiagram-v2", f"    [*] --> {self.initial}"]
        seen = set()
        for src, trigger, dest in self.edges():
            key = (src, trigger, dest)
            if key not in seen:
                seen.add(key)
                guards = " or ".join(" and ".join(row) for row in self.conditions(src, trigger) if row)
                lines.append(f"    {src} --> {dest}: {trigger}" + (f" [{guards}]" if guards else ""))
        return "\n".join(lines) + "\n"


def _holds(model: Any, condition) -> bool:
    """A transitions Condition on `model`: an attribute, property or method naming a fact."""
    value = getattr(model, condition.func)
    if callable(value):
        value = value()
    return bool(value) == condition.target
