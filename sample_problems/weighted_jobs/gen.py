"""Input generator for weighted_jobs: n jobs, lines "s e w" (inclusive days s..e, pay w)."""
import random

MAX_N = 100_000
MAX_DAY = 10**9
MAX_W = 10**9


def _format(jobs):
    return f"{len(jobs)}\n" + "".join(f"{s} {e} {w}\n" for s, e, w in jobs)


def _random_jobs(rng, n, max_day, max_len, max_w):
    jobs = []
    for _ in range(n):
        s = rng.randint(1, max_day)
        e = min(max_day, s + rng.randint(0, max_len))
        jobs.append((s, e, rng.randint(1, max_w)))
    return jobs


def generate(rng: random.Random, kind: str) -> str:
    if kind == "random":
        n = rng.choice([2, 3, 5, 8, rng.randint(1, 40), rng.randint(1, 400), rng.randint(1, 3000)])
        max_day = rng.choice([10, 50, 1000, 10**6, MAX_DAY])
        max_len = rng.choice([0, 3, max(1, max_day // 10), max_day])
        max_w = rng.choice([1, 10, 1000, MAX_W])
        jobs = _random_jobs(rng, n, max_day, max_len, max_w)
        if rng.random() < 0.3:  # make some jobs start exactly on another job's last day
            jobs = [
                (jobs[k - 1][1], max(jobs[k - 1][1], e), w) if k and rng.random() < 0.5 else (s, e, w)
                for k, (s, e, w) in enumerate(jobs)
            ]
        return _format(jobs)
    if kind == "edge":
        case = rng.randrange(7)
        if case == 0:  # one job
            s = rng.randint(1, MAX_DAY)
            jobs = [(s, rng.randint(s, MAX_DAY), rng.randint(1, MAX_W))]
        elif case == 1:  # identical intervals with different pay: only one can be taken
            s = rng.randint(1, 100)
            e = s + rng.randint(0, 5)
            jobs = [(s, e, rng.randint(1, MAX_W)) for _ in range(rng.randint(2, 6))]
        elif case == 2:  # a chain where each job starts on the previous job's last day
            jobs, s = [], rng.randint(1, 10)
            for _ in range(rng.randint(2, 8)):
                e = s + rng.randint(0, 4)
                jobs.append((s, e, rng.randint(1, 10)))
                s = e
        elif case == 3:  # one long, well-paid job against many short ones
            k = rng.randint(2, 6)
            jobs = [(1, 10 * k, rng.randint(1, 10 * k))] + [(10 * i + 1, 10 * i + 10, rng.randint(1, 10)) for i in range(k)]
        elif case == 4:  # extreme days and pay
            jobs = [(MAX_DAY, MAX_DAY, MAX_W), (1, MAX_DAY, MAX_W), (1, 1, MAX_W), (2, MAX_DAY - 1, MAX_W)]
        elif case == 5:  # single-day jobs on few days, many sharing a day
            jobs = [(d, d, rng.randint(1, 20)) for d in (rng.randint(1, 4) for _ in range(rng.randint(2, 10)))]
        else:  # a good early job that the latest compatible job does not lead back to
            jobs = [(1, 2, 100), (2, 3, 1), (4, 5, rng.randint(1, 5))]
        rng.shuffle(jobs)
        return _format(jobs)
    if kind == "large":
        n = rng.randint(MAX_N - 100, MAX_N)
        max_day = rng.choice([10**5, MAX_DAY])
        return _format(_random_jobs(rng, n, max_day, rng.choice([10, max_day // 100, max_day]), MAX_W))
    raise ValueError(f"unknown kind: {kind}")
