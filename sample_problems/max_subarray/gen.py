"""Input generator for max_subarray: generate(rng, kind) returns one stdin text."""
import random

LIMIT = 10**9
MAX_N = 200_000


def _render(values):
    return f"{len(values)}\n{' '.join(map(str, values))}\n"


def _values(rng: random.Random, n: int, mode: str):
    if mode == "small":
        return [rng.randint(-10, 10) for _ in range(n)]
    if mode == "full":
        return [rng.randint(-LIMIT, LIMIT) for _ in range(n)]
    if mode == "negative":
        return [rng.randint(-LIMIT, -1) for _ in range(n)]
    if mode == "mostly_negative":
        return [rng.randint(1, LIMIT) if rng.random() < 0.1 else rng.randint(-LIMIT, -1) for _ in range(n)]
    if mode == "big_positive":
        return [rng.randint(LIMIT // 2, LIMIT) if rng.random() < 0.8 else rng.randint(-LIMIT, 0) for _ in range(n)]
    raise ValueError(mode)


def generate(rng: random.Random, kind: str) -> str:
    if kind == "random":
        n = rng.randint(1, 300)
        mode = rng.choice(["small", "full", "negative", "mostly_negative", "big_positive"])
        return _render(_values(rng, n, mode))
    if kind == "edge":
        case = rng.choice(["single", "all_min", "all_max", "all_negative", "zeros", "end_heavy", "two"])
        if case == "single":
            return _render([rng.choice([-LIMIT, -1, 0, 1, LIMIT, rng.randint(-LIMIT, LIMIT)])])
        if case == "all_min":
            return _render([-LIMIT] * rng.randint(1, 10))
        if case == "all_max":
            return _render([LIMIT] * rng.randint(1, 10))
        if case == "all_negative":
            return _render([rng.randint(-LIMIT, -1) for _ in range(rng.randint(2, 10))])
        if case == "zeros":
            values = [0] * rng.randint(1, 10)
            if rng.random() < 0.5:
                values[rng.randrange(len(values))] = -LIMIT
            return _render(values)
        if case == "end_heavy":
            # the best block touches the last element
            values = [rng.randint(-5, 5) for _ in range(rng.randint(1, 9))] + [LIMIT]
            return _render(values)
        return _render([rng.choice([-LIMIT, LIMIT, -1, 1]), rng.choice([-LIMIT, LIMIT, -1, 1])])
    if kind == "large":
        n = rng.randint(MAX_N - 1000, MAX_N)
        mode = rng.choice(["full", "negative", "mostly_negative", "big_positive", "small"])
        return _render(_values(rng, n, mode))
    raise ValueError(f"unknown kind: {kind}")
