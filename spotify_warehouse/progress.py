"""Progress lines for long work: what finished, how much is done, and how long is left.

The ML and discovery stages run for minutes inside one dbt node, which would otherwise print
nothing until they end. A `Progress` is told when each unit of work finishes and writes one
line, e.g.

    ML 14/93 fits · track_genre · catalog · best · fold 3/5 · 4m12s elapsed · about 9m left

The estimate weighs each unit by its expected cost (a 114-genre forest takes a hundred times
a baseline), so it does not swing as cheap and dear units alternate. Inside dbt the lines
go through dbt's own logger (console and logs/dbt.log, `dbt_console`); elsewhere to stderr.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable

Emit = Callable[[str], None]


def to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def dbt_console(line: str) -> None:
    """A line on dbt's console and in its log file, as dbt's own messages are."""
    try:
        from dbt_common.events.functions import fire_event
        from dbt_common.events.types import Note
    except ImportError:  # pragma: no cover - outside a dbt installation
        to_stderr(line)
        return
    fire_event(Note(msg=line))


def duration(seconds: float) -> str:
    """4s, 1m05s, 1h02m: short and unambiguous."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


class Progress:
    """Counts finished units of a stage and reports each (or at most one per `interval`).

    total_weight: the summed expected cost of every unit; `advance(weight)` adds one unit's.
    The time left is the elapsed time scaled by the remaining share of the weight.
    """

    def __init__(
        self,
        stage: str,
        total_units: int,
        total_weight: float | None = None,
        unit: str = "steps",
        emit: Emit = to_stderr,
        interval: float = 0.0,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.stage = stage
        self.total_units = total_units
        self.total_weight = float(total_weight if total_weight is not None else total_units)
        self.unit = unit
        self.emit = emit
        self.interval = interval
        self.clock = clock
        self.started = clock()
        self.done_units = 0
        self.done_weight = 0.0
        #: (what finished, seconds since the previous unit finished), in order.
        self.steps: list[tuple[str, float]] = []
        self._last_emit = -float("inf")
        self._last_done = self.started
        # Training runs folds on several threads: one unit's count and line at a time.
        self._lock = threading.Lock()

    @property
    def elapsed(self) -> float:
        return self.clock() - self.started

    def remaining_seconds(self) -> float | None:
        """Estimated seconds left, or None before any work is done."""
        if self.done_weight <= 0:
            return None
        left = max(self.total_weight - self.done_weight, 0.0)
        return self.elapsed * left / self.done_weight

    def advance(self, *labels: str, weight: float = 1.0) -> None:
        """One unit finished; `labels` say which (task, scenario, model, fold ...)."""
        with self._lock:
            self._advance(labels, weight)

    def _advance(self, labels: tuple[str, ...], weight: float) -> None:
        self.done_units += 1
        self.done_weight += weight
        now = self.clock()
        self.steps.append((" · ".join(labels), now - self._last_done))
        self._last_done = now
        finished = self.done_units >= self.total_units
        if not finished and now - self._last_emit < self.interval:
            return
        self._last_emit = now
        self.emit(self.line(*labels))

    def line(self, *labels: str) -> str:
        parts = [f"{self.stage} {self.done_units}/{self.total_units} {self.unit}", *labels]
        parts.append(f"{duration(self.elapsed)} elapsed")
        left = self.remaining_seconds()
        if self.done_units >= self.total_units:
            parts.append("done")
        elif left is not None:
            parts.append(f"about {duration(left)} left")
        return " · ".join(parts)

    def note(self, message: str) -> None:
        """A line about the stage that is not a unit of work (a reuse, a decision)."""
        self.emit(f"{self.stage}: {message}")
