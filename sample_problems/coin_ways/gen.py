"""Input generator for coin_ways: generate(rng, kind) returns one stdin text."""
import random

MAX_N = 100
MAX_S = 100_000
MAX_C = 100_000


def _render(total, coins):
    return f"{len(coins)} {total}\n{' '.join(map(str, coins))}\n"


def _with_duplicates(rng: random.Random, coins, share: float):
    out = list(coins)
    for i in range(len(out)):
        if i and rng.random() < share:
            out[i] = rng.choice(out[:i])
    rng.shuffle(out)
    return out


def generate(rng: random.Random, kind: str) -> str:
    if kind == "random":
        total = rng.randint(0, 2000)
        n = rng.randint(1, 12)
        hi = max(1, rng.choice([10, 50, total + 20]))
        coins = [rng.randint(1, hi) for _ in range(n)]
        if rng.random() < 0.3:
            coins = _with_duplicates(rng, coins, 0.4)
        return _render(total, coins)
    if kind == "edge":
        case = rng.choice(["zero", "no_way", "only_one", "too_big", "duplicates", "exact_coin", "one_coin_max"])
        if case == "zero":
            return _render(0, [rng.randint(1, MAX_C) for _ in range(rng.randint(1, 5))])
        if case == "no_way":
            c = rng.randint(2, 50)
            return _render(c * rng.randint(1, 100) + rng.randint(1, c - 1), [c])
        if case == "only_one":
            return _render(rng.randint(1, MAX_S), [1])
        if case == "too_big":
            total = rng.randint(0, 100)
            return _render(total, [rng.randint(total + 1, MAX_C) for _ in range(rng.randint(1, 5))])
        if case == "duplicates":
            return _render(rng.randint(0, 50), [rng.randint(1, 5)] * rng.randint(2, 6))
        if case == "exact_coin":
            total = rng.randint(1, 1000)
            return _render(total, [total] + [rng.randint(total + 1, MAX_C) for _ in range(rng.randint(0, 3))])
        return _render(MAX_S, [MAX_C] * rng.randint(1, 3))
    if kind == "large":
        total = rng.randint(MAX_S - 100, MAX_S)
        mode = rng.choice(["small_coins", "spread", "mixed_duplicates"])
        n = rng.randint(MAX_N - 5, MAX_N)
        if mode == "small_coins":
            coins = rng.sample(range(1, 201), n)
        elif mode == "spread":
            coins = rng.sample(range(1, MAX_C + 1), n)
        else:
            coins = _with_duplicates(rng, [rng.randint(1, 1000) if rng.random() < 0.5 else rng.randint(1, MAX_C) for _ in range(n)], 0.2)
        return _render(total, coins)
    raise ValueError(f"unknown kind: {kind}")
