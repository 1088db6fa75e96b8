"""One timing loop for the benchmarks that set the platform beside raw SQL: every side runs once per iteration,
in an order that rotates, so a burst of load on this shared machine falls on all sides alike; medians and
spread are printed, and the sides that must give the same answer are checked to give it."""

import os
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Side:
    """One thing timed: its label, the call, and (optionally) what its answer must equal across sides."""

    label: str
    run: Callable[[], object]
    answer: Callable[[object], object] | None = None


@dataclass(frozen=True)
class Timing:
    """Milliseconds of one side over the iterations."""

    label: str
    samples: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def spread(self) -> tuple[float, float]:
        """The 10th and 90th percentiles (min and max for fewer than ten runs)."""
        ordered = sorted(self.samples)
        if len(ordered) < 10:
            return ordered[0], ordered[-1]
        return ordered[len(ordered) // 10], ordered[(len(ordered) * 9) // 10]


def compare(sides: Sequence[Side], *, runs: int, warm: int = 1) -> dict[str, Timing]:
    """Time every side `runs` times, alternating which goes first; answers of sides with `answer` must agree."""
    expected: object = None
    checked = None
    for _ in range(warm):
        for side in sides:
            result = side.run()
            if side.answer is not None:
                got = side.answer(result)
                if checked is None:
                    expected, checked = got, side.label
                elif got != expected:
                    raise AssertionError(f"{side.label} answers differently from {checked}: {got!r} != {expected!r}")
    samples: dict[str, list[float]] = {side.label: [] for side in sides}
    for iteration in range(runs):
        shift = iteration % len(sides)
        for side in [*sides[shift:], *sides[:shift]]:
            started = time.perf_counter()
            side.run()
            samples[side.label].append((time.perf_counter() - started) * 1000)
    return {label: Timing(label, values) for label, values in samples.items()}


def load_average() -> str:
    """The machine's load average, to print beside every figure (the machine is shared)."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def report(timings: dict[str, Timing], *, width: int = 48) -> None:
    """One line per side: median and spread in milliseconds."""
    for timing in timings.values():
        low, high = timing.spread
        print(f"  {timing.label:<{width}} {timing.median:8.1f} ms  (spread {low:.1f}-{high:.1f}, "
              f"{len(timing.samples)} runs)", flush=True)
