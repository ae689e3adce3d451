"""Time limits relative to the pool: a candidate far slower than its peers on an input is judged too slow without
waiting for the problem's whole limit.

Self-play runs many candidates on small, self-generated inputs, where a correct program answers in milliseconds and
a too-slow or looping one burns a core for the problem's full limit (2 s on the sample problems), once per input.
As evalplus derives each input's limit from the reference's own time, this derives it from the pool's: every pair
first runs under a short probe limit; a pair that times out there is run again under
min(problem limit, max(probe, factor x the median CPU time of the pool's finished runs on that input)), and keeps a
`timeout` if it still does not finish. An input on which the pool's median is itself slow keeps the full limit.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import replace

from cosplay_core.sandbox import Job, Outcome
from cosplay_core.sandbox.protocol import JobRunner

PROBE_TIME_LIMIT_S = 0.25


def run_relative(executor: JobRunner, jobs: list[Job], factor: float | None) -> list[list[Outcome]]:
    """Outcomes of `jobs` (all under the same limits), with pool-relative time limits when `factor` is set;
    without it, exactly `executor.run_jobs(jobs)`."""
    if not jobs or factor is None:
        return executor.run_jobs(jobs)
    limits = jobs[0].limits
    probe = min(limits.time_limit_s, PROBE_TIME_LIMIT_S)
    if probe >= limits.time_limit_s:
        return executor.run_jobs(jobs)
    rows = executor.run_jobs([Job(j.program, j.inputs, replace(limits, time_limit_s=probe)) for j in jobs])
    times: dict[str, list[float]] = {}
    for job, row in zip(jobs, rows):
        for item, outcome in zip(job.inputs, row):
            if outcome.status != "timeout":
                times.setdefault(_input_key(item), []).append(outcome.cpu_s)
    retry: dict[float, list[tuple[int, int]]] = {}
    for j, (job, row) in enumerate(zip(jobs, rows)):
        for i, (item, outcome) in enumerate(zip(job.inputs, row)):
            if outcome.status == "timeout":
                finished = times.get(_input_key(item))
                limit = limits.time_limit_s if not finished else \
                    min(limits.time_limit_s, max(probe, factor * statistics.median(finished)))
                if limit > probe:
                    retry.setdefault(round(limit, 3), []).append((j, i))
    rows = [list(row) for row in rows]
    # Every retry in one call, whatever its limit, so that retries under different limits share the workers; the
    # longest limits first, so that the short ones fill the gaps.
    groups = []
    for limit, cells in sorted(retry.items(), reverse=True):
        by_job: dict[int, list[int]] = {}
        for j, i in cells:
            by_job.setdefault(j, []).append(i)
        groups += [(j, idx, replace(limits, time_limit_s=limit)) for j, idx in by_job.items()]
    again = executor.run_jobs([Job(jobs[j].program, tuple(jobs[j].inputs[i] for i in idx), retry_limits)
                               for j, idx, retry_limits in groups])
    for (j, idx, _), outcomes in zip(groups, again):
        for i, outcome in zip(idx, outcomes):
            rows[j][i] = outcome
    for row in rows:
        for i, outcome in enumerate(row):
            if outcome.status == "timeout" and "relative" not in outcome.stderr:
                row[i] = replace(outcome, stderr=(outcome.stderr + "\n" if outcome.stderr else "") +
                                 f"timed out under the pool-relative limit ({factor:g}x the pool's median CPU time on "
                                 f"this input, at most {limits.time_limit_s:g} s)")
    return rows


def _input_key(item: object) -> str:
    return json.dumps(item, sort_keys=True)
