"""Input generator for run_length: returns the JSON text of the argument array [s]."""
import json
import random
import string

PRINTABLE = "".join(chr(c) for c in range(32, 127))
MAX_LEN = 500000


def _runs_string(rng: random.Random, alphabet: str, n_runs: int, max_run: int) -> str:
    parts = []
    for _ in range(n_runs):
        parts.append(rng.choice(alphabet) * rng.randint(1, max_run))
    return "".join(parts)


def _edge(rng: random.Random) -> str:
    choice = rng.randrange(10)
    if choice == 0:
        return ""
    if choice == 1:
        return rng.choice(PRINTABLE)
    if choice == 2:
        return rng.choice(string.ascii_letters) * rng.randint(2, 60)
    if choice == 3:
        return " " * rng.randint(1, 12)
    if choice == 4:
        body = _runs_string(rng, "ab ", rng.randint(1, 6), 4)
        return body.rstrip(" ") + " " * rng.randint(1, 5)
    if choice == 5:
        a, b = rng.sample(string.ascii_lowercase, 2)
        return (a + b) * rng.randint(1, 10) + (a if rng.random() < 0.5 else "")
    if choice == 6:
        ch = rng.choice(string.ascii_letters)
        return ch * rng.choice([9, 10, 11, 19, 20, 99, 100])
    if choice == 7:
        letter = rng.choice(string.ascii_lowercase)
        return "".join(rng.choice([letter, letter.upper()]) for _ in range(rng.randint(2, 15)))
    if choice == 8:
        return _runs_string(rng, "xy", rng.randint(3, 8), 3)
    return rng.choice(string.punctuation + " ") * rng.randint(1, 5) + rng.choice(string.digits) * rng.randint(1, 5)


def _large(rng: random.Random) -> str:
    choice = rng.randrange(3)
    if choice == 0:
        # one giant run
        return rng.choice(PRINTABLE) * MAX_LEN
    if choice == 1:
        # a few long runs
        parts = []
        total = 0
        while total < MAX_LEN:
            length = min(MAX_LEN - total, rng.randint(MAX_LEN // 8, MAX_LEN))
            prev = parts[-1][0] if parts else None
            ch = rng.choice([c for c in "abcAB 9." if c != prev])
            parts.append(ch * length)
            total += length
        return "".join(parts)
    # many short runs
    s = _runs_string(rng, string.ascii_lowercase[: rng.randint(2, 26)] + " ", MAX_LEN // 3, 5)
    return s[:MAX_LEN]


def generate(rng: random.Random, kind: str) -> str:
    if kind == "edge":
        s = _edge(rng)
    elif kind == "large":
        s = _large(rng)
    else:
        alphabet = "".join(rng.sample(PRINTABLE, rng.randint(1, 6)))
        s = _runs_string(rng, alphabet, rng.randint(0, 12), rng.choice([1, 3, 6, 12]))
    return json.dumps([s])
