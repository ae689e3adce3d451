"""Input generator for closest_meeting_point: n friends, lines "x v d"."""
import random

MAX_N = 10_000
MAX_C = 10**9


def _format(people):
    lines = [str(len(people))]
    lines += [f"{x} {v} {d}" for x, v, d in people]
    return "\n".join(lines) + "\n"


def _random_people(rng, n, max_x, max_v, max_d):
    return [(rng.randint(0, max_x), rng.randint(1, max_v), rng.randint(0, max_d)) for _ in range(n)]


def generate(rng: random.Random, kind: str) -> str:
    if kind == "random":
        n = rng.choice([2, 3, 4, 5, 8, rng.randint(2, 60), rng.randint(2, 2000)])
        max_x = rng.choice([10, 100, 10**5, MAX_C])
        max_v = rng.choice([1, 3, 10, 1000, MAX_C])
        max_d = rng.choice([0, 5, 100, 10**6, MAX_C])
        people = _random_people(rng, n, max_x, max_v, max_d)
        if rng.random() < 0.3:  # some friends share a home
            home = people[0][0]
            people = [(home if rng.random() < 0.4 else x, v, d) for x, v, d in people]
        return _format(people)
    if kind == "edge":
        case = rng.randrange(7)
        if case == 0:  # a single friend: the answer is 0 whatever the delay
            people = [(rng.randint(0, MAX_C), rng.randint(1, MAX_C), rng.randint(0, MAX_C))]
        elif case == 1:  # everybody already at the same home
            x = rng.randint(0, MAX_C)
            people = [(x, rng.randint(1, MAX_C), rng.randint(0, MAX_C)) for _ in range(rng.randint(2, 6))]
        elif case == 2:  # extreme span, slowest speed, largest delays
            people = [(0, 1, MAX_C), (MAX_C, 1, MAX_C)] + [
                (rng.randint(0, MAX_C), 1, rng.randint(0, MAX_C)) for _ in range(rng.randint(0, 3))
            ]
        elif case == 3:  # a busy friend pinned at home, others come to him quickly
            x = rng.randint(0, MAX_C - 10)
            people = [(x, rng.randint(1, 10), MAX_C)] + [
                (x + rng.randint(-3, 3) if x >= 3 else x + rng.randint(0, 3), rng.randint(1, 7), rng.randint(0, 2))
                for _ in range(rng.randint(1, 4))
            ]
        elif case == 4:  # tiny answer: fast friends one unit apart
            people = [(5, MAX_C, 0), (6, MAX_C, rng.randint(0, 1))]
        elif case == 5:  # two friends, awkward fractions
            people = [(0, rng.randint(1, 9), rng.randint(0, 9)), (rng.randint(1, 20), rng.randint(1, 9), rng.randint(0, 9))]
        else:  # the binding pair is not the leftmost/rightmost pair
            people = [(0, 100, 0), (1000, 100, 0), (rng.randint(300, 700), 1, rng.randint(0, 3))]
        rng.shuffle(people)
        return _format(people)
    if kind == "large":
        n = rng.randint(MAX_N - 100, MAX_N)
        max_d = rng.choice([0, 10**6, MAX_C])
        return _format(_random_people(rng, n, MAX_C, rng.choice([10, MAX_C]), max_d))
    raise ValueError(f"unknown kind: {kind}")
