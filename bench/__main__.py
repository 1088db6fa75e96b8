"""Run every benchmark of bench/: `python -m bench` (all) or `python -m bench assign maps` (some).

To add one, put a module in bench/ with a `main()` that prints its figures and list it in BENCHMARKS.
Each benchmark builds what it needs with bench.generate.ensure() (the `ruecommune_bench` database).
"""

import importlib
import sys
import time

# Module names under bench/, run in this order.
BENCHMARKS: list[str] = [
    "assign",
    "crews",
    "intake",
    "maps",
    "addresses",
    "backoffice",
    "load",  # last: the mixed load test (locust) against a real server
]


def main(argv: list[str]) -> int:
    chosen = argv or BENCHMARKS
    unknown = [name for name in chosen if name not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    for name in chosen:
        print(f"== bench.{name}", flush=True)
        started = time.perf_counter()
        importlib.import_module(f"bench.{name}").main()
        print(f"== bench.{name} done in {time.perf_counter() - started:.0f} s\n", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
