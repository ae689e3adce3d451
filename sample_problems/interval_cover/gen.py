"""Input generator for interval_cover: generate(rng, kind) returns one stdin text."""
import random

LIMIT = 10**9
MAX_N = 200_000


def _render(intervals):
    lines = [str(len(intervals))] + [f"{l} {r}" for l, r in intervals]
    return "\n".join(lines) + "\n"


def _interval(rng: random.Random, lo: int, hi: int, max_len: int):
    l = rng.randint(lo, hi)
    r = min(hi, l + rng.randint(0, max_len))
    return l, r


def _intervals(rng: random.Random, n: int, mode: str):
    if mode == "dense":  # small coordinates: many overlaps, nestings, touchings and duplicates
        return [_interval(rng, -50, 50, 20) for _ in range(n)]
    if mode == "sparse":  # full range, short intervals: mostly disjoint
        return [_interval(rng, -LIMIT, LIMIT, 1000) for _ in range(n)]
    if mode == "mixed":  # a few long intervals over many short ones
        out = []
        for _ in range(n):
            if rng.random() < 0.05:
                out.append(_interval(rng, -LIMIT, LIMIT, LIMIT))
            else:
                out.append(_interval(rng, -LIMIT, LIMIT, 10**6))
        return out
    if mode == "pool":  # repeated intervals, and shared left ends with different right ends
        lefts = [rng.randint(-1000, 1000) for _ in range(max(1, n // 4))]
        return [(l, l + rng.randint(0, 300)) for l in (rng.choice(lefts) for _ in range(n))]
    if mode == "nonnegative":
        return [_interval(rng, 0, 10**6, 10**5) for _ in range(n)]
    raise ValueError(mode)


def generate(rng: random.Random, kind: str) -> str:
    if kind == "random":
        n = rng.randint(1, 300)
        mode = rng.choice(["dense", "sparse", "mixed", "pool", "nonnegative"])
        return _render(_intervals(rng, n, mode))
    if kind == "edge":
        case = rng.choice(["single", "whole_line", "points", "identical", "touching", "nested", "negative"])
        if case == "single":
            return _render([_interval(rng, -LIMIT, LIMIT, rng.choice([0, 1, LIMIT]))])
        if case == "whole_line":
            return _render([(-LIMIT, LIMIT)] * rng.randint(1, 5))
        if case == "points":
            return _render([(x, x) for x in (rng.randint(-5, 5) for _ in range(rng.randint(1, 10)))])
        if case == "identical":
            l, r = _interval(rng, -LIMIT, LIMIT, LIMIT)
            return _render([(l, r)] * rng.randint(2, 10))
        if case == "touching":
            x = rng.randint(-100, 100)
            out = []
            for _ in range(rng.randint(2, 10)):
                step = rng.randint(0, 5)
                out.append((x, x + step))
                x += step
            rng.shuffle(out)
            return _render(out)
        if case == "nested":
            c = rng.randint(-LIMIT // 2, LIMIT // 2)
            out = [(c - w, c + w) for w in sorted(rng.sample(range(0, 1000), rng.randint(2, 10)), reverse=True)]
            if rng.random() < 0.5:
                rng.shuffle(out)
            return _render(out)
        return _render([_interval(rng, -LIMIT, -1, 10**8) for _ in range(rng.randint(1, 10))])
    if kind == "large":
        n = rng.randint(MAX_N - 1000, MAX_N)
        mode = rng.choice(["dense", "sparse", "mixed", "pool", "nonnegative"])
        return _render(_intervals(rng, n, mode))
    raise ValueError(f"unknown kind: {kind}")
