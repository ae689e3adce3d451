"""Input generator for inversion_count (steady growth pairs): "n p q" then a_1..a_n."""
import random

MAX_N = 200_000
MAX_V = 10**9


def _format(p, q, a):
    return f"{len(a)} {p} {q}\n" + " ".join(map(str, a)) + "\n"


def _clamp(v):
    return max(-MAX_V, min(MAX_V, v))


def _near_line(rng, n, p, q, noise, c=None):
    """Values close to the line a_i = c + (p/q) * i, so that many pairs grow at exactly (or almost) p/q."""
    if c is None:
        c = rng.randint(-1000, 1000)
    return [_clamp(c + (p * i) // q + rng.randint(-noise, noise)) for i in range(n)]


def generate(rng: random.Random, kind: str) -> str:
    if kind == "random":
        n = rng.choice([2, 3, 5, 8, rng.randint(1, 50), rng.randint(2, 500), rng.randint(2, 3000)])
        mode = rng.randrange(4)
        if mode == 0:  # small values, small rate: many ties
            q = rng.randint(1, 4)
            p = rng.randint(-3 * q, 3 * q)
            a = [rng.randint(-5, 5) for _ in range(n)]
        elif mode == 1:  # close to a line with a fractional rate
            q = rng.randint(2, 9)
            p = rng.randint(-50, 50)
            a = _near_line(rng, n, p, q, rng.randint(0, 2))
        elif mode == 2:  # anything
            p = rng.randint(-MAX_V, MAX_V)
            q = rng.randint(1, MAX_V)
            a = [rng.randint(-MAX_V, MAX_V) for _ in range(n)]
        else:  # huge denominator, big values near the line: a float rate p/q is not precise enough
            q = rng.randint(10**8, MAX_V - 3)
            p = q + rng.choice([-2, -1, 1, 1, 2, 3])
            c = rng.choice([-1, 1]) * rng.randint(10**8, 9 * 10**8)
            a = _near_line(rng, n, p, q, rng.randint(0, 1), c)
        return _format(p, q, a)
    if kind == "edge":
        case = rng.randrange(8)
        if case == 0:  # a single day: no pairs
            return _format(rng.randint(-MAX_V, MAX_V), rng.randint(1, MAX_V), [rng.randint(-MAX_V, MAX_V)])
        if case == 1:  # constant values, rate 0: every pair is a tie and counts
            n = rng.randint(2, 50)
            return _format(0, rng.randint(1, MAX_V), [rng.randint(-MAX_V, MAX_V)] * n)
        if case == 2:  # on a line of fractional slope (not in lowest terms): many pairs grow exactly at the rate
            q = rng.randint(2, 7)
            k = rng.randint(1, 4)
            p = rng.randint(-9, 9)
            n = rng.randint(2, 40)
            return _format(p * k, q * k, _near_line(rng, n, p, q, 0))
        if case == 3:  # extreme values and rates
            n = rng.randint(2, 6)
            p = rng.choice([-MAX_V, MAX_V])
            q = rng.choice([1, MAX_V])
            return _format(p, q, [rng.choice([-MAX_V, MAX_V]) for _ in range(n)])
        if case == 4:  # strictly decreasing values: no pair counts for a positive rate
            n = rng.randint(2, 30)
            return _format(rng.randint(1, 5), 1, [MAX_V - 7 * i for i in range(n)])
        if case == 5:  # hugely negative rate: every pair counts
            n = rng.randint(2, 30)
            return _format(-MAX_V, 1, [rng.randint(-100, 100) for _ in range(n)])
        if case == 6:  # two days, growth exactly the (integer) rate
            r = rng.randint(-10, 10)
            q = rng.randint(1, 10**8)
            a1 = rng.randint(-10, 10)
            return _format(r * q, q, [a1, a1 + r])
        # rate just above 1 with a huge denominator, big values just around the line
        q = MAX_V - rng.randint(1, 3)
        p = MAX_V
        c = rng.choice([-1, 1]) * rng.randint(8 * 10**8, 9 * 10**8)
        return _format(p, q, _near_line(rng, rng.randint(2, 200), p, q, rng.randint(0, 1), c))
    if kind == "large":
        n = rng.randint(MAX_N - 1000, MAX_N)
        mode = rng.randrange(4)
        if mode == 0:
            a = [rng.randint(-MAX_V, MAX_V) for _ in range(n)]
            return _format(rng.randint(-MAX_V, MAX_V), rng.randint(1, MAX_V), a)
        if mode == 1:  # constant: n(n-1)/2 ties, beyond 32 bits
            return _format(0, rng.randint(1, 100), [rng.randint(-MAX_V, MAX_V)] * n)
        if mode == 2:  # mostly decreasing keys
            return _format(1, 1, [rng.randint(0, 99) for _ in range(n)])
        q = rng.randint(2, 1000)
        p = rng.randint(-1000, 1000)
        return _format(p, q, _near_line(rng, n, p, q, 3))
    raise ValueError(f"unknown kind: {kind}")
