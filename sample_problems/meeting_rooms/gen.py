"""Input generator for meeting_rooms: returns the JSON text of the argument array [intervals]."""
import json
import random

MAX_T = 10 ** 9
MAX_N = 100000


def _random_intervals(rng: random.Random, n: int, max_t: int, max_len: int) -> list:
    out = []
    for _ in range(n):
        length = rng.randint(1, max_len)
        start = rng.randint(0, max_t - length)
        out.append([start, start + length])
    return out


def _edge(rng: random.Random) -> list:
    choice = rng.randrange(9)
    if choice == 0:
        return []
    if choice == 1:
        s = rng.randint(0, MAX_T - 1)
        return [[s, rng.randint(s + 1, MAX_T)]]
    if choice == 2:
        # identical meetings
        s = rng.randint(0, 50)
        return [[s, s + rng.randint(1, 10)] for _ in range(rng.randint(2, 6))]
    if choice == 3:
        # a chain of touching meetings, shuffled
        t = rng.randint(0, 10)
        out = []
        for _ in range(rng.randint(2, 8)):
            nxt = t + rng.randint(1, 5)
            out.append([t, nxt])
            t = nxt
        rng.shuffle(out)
        return out
    if choice == 4:
        # nested meetings
        k = rng.randint(2, 6)
        return [[i, 2 * k - i] for i in range(k)]
    if choice == 5:
        # same start, different ends
        s = rng.randint(0, 20)
        return [[s, s + rng.randint(1, 9)] for _ in range(rng.randint(2, 6))]
    if choice == 6:
        # extreme coordinates
        return [[0, MAX_T], [MAX_T - 1, MAX_T], [0, 1], [1, MAX_T - 1]][: rng.randint(1, 4)]
    if choice == 7:
        # touching and identical at once: duplicated chain, reversed order
        t = 0
        out = []
        for _ in range(rng.randint(2, 5)):
            out.append([t, t + 3])
            out.append([t, t + 3])
            t += 3
        return out[::-1]
    # a long meeting with short ones inside it, given out of order
    out = _random_intervals(rng, rng.randint(1, 6), 100, 10)
    out.append([0, 100])
    rng.shuffle(out)
    return out


def _large(rng: random.Random) -> list:
    choice = rng.randrange(3)
    if choice == 0:
        return _random_intervals(rng, MAX_N, MAX_T, rng.choice([10 ** 4, 10 ** 6, 10 ** 8]))
    if choice == 1:
        # many touching chains with duplicates
        out = []
        step = rng.randint(1, 9000)
        while len(out) < MAX_N:
            t = len(out) // 2 * step
            out.append([t, t + step])
            out.append([t, t + step])
        rng.shuffle(out)
        return out
    # everything overlaps one point
    mid = MAX_T // 2
    return [[rng.randint(0, mid), rng.randint(mid + 1, MAX_T)] for _ in range(MAX_N)]


def generate(rng: random.Random, kind: str) -> str:
    if kind == "edge":
        intervals = _edge(rng)
    elif kind == "large":
        intervals = _large(rng)
    else:
        n = rng.randint(0, 15)
        intervals = _random_intervals(rng, n, rng.choice([20, 40, 1000]), rng.choice([3, 8, 15]))
    return json.dumps([intervals])
