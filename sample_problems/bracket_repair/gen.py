"""Input generator for bracket_repair: generate(rng, kind) returns one stdin text (one line, possibly empty)."""
import random

MAX_LEN = 200
OPENERS = "([{"
CLOSERS = ")]}"
ALL = OPENERS + CLOSERS


def _balanced(rng: random.Random, pairs: int, kinds: str = OPENERS) -> str:
    """A random balanced string with the given number of bracket pairs."""
    out = []
    stack = []
    remaining = pairs
    while remaining or stack:
        if remaining and (not stack or rng.random() < 0.55):
            o = rng.choice(kinds)
            out.append(o)
            stack.append(o)
            remaining -= 1
        else:
            out.append(CLOSERS[OPENERS.index(stack.pop())])
    return "".join(out)


def _corrupt(rng: random.Random, s: str, edits: int) -> str:
    chars = list(s)
    for _ in range(edits):
        op = rng.choice(["delete", "insert", "replace", "swap"])
        if op == "delete" and chars:
            del chars[rng.randrange(len(chars))]
        elif op == "insert":
            chars.insert(rng.randint(0, len(chars)), rng.choice(ALL))
        elif op == "replace" and chars:
            chars[rng.randrange(len(chars))] = rng.choice(ALL)
        elif op == "swap" and len(chars) >= 2:
            i = rng.randrange(len(chars) - 1)
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
    return "".join(chars)[:MAX_LEN]


def _line(s: str) -> str:
    return s + "\n"


def generate(rng: random.Random, kind: str) -> str:
    if kind == "random":
        mode = rng.choice(["uniform", "corrupted", "openers_heavy", "two_kinds"])
        n = rng.randint(1, 60)
        if mode == "uniform":
            return _line("".join(rng.choice(ALL) for _ in range(n)))
        if mode == "corrupted":
            return _line(_corrupt(rng, _balanced(rng, n // 2 + 1), rng.randint(1, 4)))
        if mode == "openers_heavy":
            return _line("".join(rng.choice(OPENERS if rng.random() < 0.7 else CLOSERS) for _ in range(n)))
        return _line("".join(rng.choice("()[]") for _ in range(n)))
    if kind == "edge":
        case = rng.choice(["empty", "single", "openers", "closers", "mismatch_pairs", "skip_trap", "balanced"])
        if case == "empty":
            return _line("")
        if case == "single":
            return _line(rng.choice(ALL))
        if case == "openers":
            return _line("".join(rng.choice(OPENERS) for _ in range(rng.randint(1, 10))))
        if case == "closers":
            return _line("".join(rng.choice(CLOSERS) for _ in range(rng.randint(1, 10))))
        if case == "mismatch_pairs":
            return _line("".join(rng.choice(["(]", "[)", "{]", "(}", "[}", "{)"]) for _ in range(rng.randint(1, 5))))
        if case == "skip_trap":
            # a stray closer inside a deep nest of another kind: skipping it is cheaper than closing the nest
            k = rng.randint(1, 6)
            o = rng.choice(OPENERS)
            inner = rng.choice([c for c in OPENERS if c != o])
            stray = CLOSERS[OPENERS.index(o)]
            return _line(o + inner * k + stray + CLOSERS[OPENERS.index(inner)] * k)
        return _line(_balanced(rng, rng.randint(1, 10)))
    if kind == "large":
        mode = rng.choice(["uniform", "corrupted", "deep", "openers_heavy"])
        n = rng.randint(MAX_LEN - 10, MAX_LEN)
        if mode == "uniform":
            return _line("".join(rng.choice(ALL) for _ in range(n)))
        if mode == "corrupted":
            return _line(_corrupt(rng, _balanced(rng, n // 2), rng.randint(3, 15)))
        if mode == "deep":
            half = n // 2
            opens = [rng.choice(OPENERS) for _ in range(half)]
            closes = [CLOSERS[OPENERS.index(o)] for o in reversed(opens)]
            return _line(_corrupt(rng, "".join(opens + closes), rng.randint(1, 6)))
        return _line("".join(rng.choice(OPENERS if rng.random() < 0.6 else CLOSERS) for _ in range(n)))
    raise ValueError(f"unknown kind: {kind}")
