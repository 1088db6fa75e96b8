"""A visit order for a shift: nearest neighbour from the crew's position, improved by 2-opt (metres)."""

import math
from collections.abc import Sequence

Point = tuple[float, float]


def _d(a: Point, b: Point) -> float:
    return math.hypot(a[0] - b[0], a[1] - b[1])


def length(start: Point, points: Sequence[Point], order: Sequence[int]) -> float:
    """Length of the open path start -> points[order[0]] -> ... (the crew does not come back)."""
    total, here = 0.0, start
    for i in order:
        total += _d(here, points[i])
        here = points[i]
    return total


def nearest_neighbour(start: Point, points: Sequence[Point]) -> list[int]:
    left = set(range(len(points)))
    order: list[int] = []
    here = start
    while left:
        # Ties broken by index, so the same input always gives the same tour.
        nxt = min(left, key=lambda i: (_d(here, points[i]), i))
        order.append(nxt)
        left.remove(nxt)
        here = points[nxt]
    return order


def two_opt(start: Point, points: Sequence[Point], order: list[int], max_rounds: int = 50) -> list[int]:
    """Reverse segments while that shortens the open path; never returns a longer path than it was given."""
    nodes = [start, *(points[i] for i in order)]
    idx = [-1, *order]
    n = len(nodes)
    for _ in range(max_rounds):
        improved = False
        for i in range(0, n - 2):
            for j in range(i + 2, n):
                a, b = nodes[i], nodes[i + 1]
                c = nodes[j]
                d = nodes[j + 1] if j + 1 < n else None
                before = _d(a, b) + (_d(c, d) if d is not None else 0.0)
                after = _d(a, c) + (_d(b, d) if d is not None else 0.0)
                if after < before - 1e-9:
                    nodes[i + 1:j + 1] = reversed(nodes[i + 1:j + 1])
                    idx[i + 1:j + 1] = reversed(idx[i + 1:j + 1])
                    improved = True
        if not improved:
            break
    return idx[1:]


def plan(start: Point, points: Sequence[Point]) -> tuple[list[int], float, float]:
    """(order, its length, the nearest-neighbour length) for an open path from `start` through every point."""
    nn = nearest_neighbour(start, points)
    nn_length = length(start, points, nn)
    best = two_opt(start, points, list(nn))
    best_length = length(start, points, best)
    if best_length > nn_length:  # cannot happen with strict improvements; kept as a guarantee
        best, best_length = nn, nn_length
    return best, best_length, nn_length
