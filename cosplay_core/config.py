"""Run settings: pool sizes, rounds, votes, and the named policies that researchers switch off for ablations."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Iterable


@dataclass(frozen=True)
class Policies:
    """Each rule of the paper's algorithm as a switch (on by default), and two departures chosen by measurement (also on).

    attack_tests          half of the UT inputs target attack ideas (off: all random)
    self_consistency      expected outputs by k agreeing predictions (off: a single prediction)
    clean_codes           stage 2 step 1: codes that pass no UT are replaced by fresh samples
    break_coupling        stage 2 step 2: the lowest-support non-trivial UT is refreshed
    fix_codes             stage 2 step 3: codes failing the most-supported non-trivial UT are repaired
    replace_trivial_tests stage 2 step 4: UTs passed by no code or by every code are replaced
    cluster_ties          stage 3: tied top codes are clustered by outputs on random inputs (off: lowest id)
    cluster_all_codes     stage 3 clusters every code of the final pool, not only the tied top codes; the largest
                          cluster wins, pass counts break ties (the paper clusters the tied codes). On by default:
                          chosen with `votes_cast` on the dev split of CodeGen-16B's HumanEval samples
                          (benchmarks/ambition.py; docs/deviations.md, "Against CodeT on HumanEval").
    stop_when_quiet       stage 2 ends before T_max rounds when a round changed nothing (off: always T_max rounds)
    verify_repairs        stage 2 step 3 keeps a repair only when it passes the trusted UT (off: every repair is
                          kept, as the paper words it)
    votes_cast            self-consistency counts the predictions given: a missing one (a failed request; a replay
                          that recorded fewer predictions than k for the input) abstains instead of counting as a
                          disagreeing vote, so ceil(3m/4) of the m predictions given must agree (off: ceil(3k/4) of
                          k, as the paper words it). On by default, chosen on the same dev split.

    docs/deviations.md lists where the rules differ from the paper's and which switch turns each difference off.
    """

    attack_tests: bool = True
    self_consistency: bool = True
    clean_codes: bool = True
    break_coupling: bool = True
    fix_codes: bool = True
    replace_trivial_tests: bool = True
    cluster_ties: bool = True
    cluster_all_codes: bool = True
    stop_when_quiet: bool = True
    verify_repairs: bool = True
    votes_cast: bool = True

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    def without(self, *names: str) -> "Policies":
        """These policies with `names` switched off; unknown names raise ValueError."""
        return self._set(names, False)

    def including(self, *names: str) -> "Policies":
        """These policies with `names` switched on; unknown names raise ValueError."""
        return self._set(names, True)

    def _set(self, names: Iterable[str], value: bool) -> "Policies":
        unknown = [n for n in names if n not in self.names()]
        if unknown:
            raise ValueError(f"unknown policy {', '.join(unknown)}: choose from {', '.join(self.names())}")
        return replace(self, **{n: value for n in names})


# The range of every whole-number setting, the largest seed (what a 64-bit signed integer holds, so that a seed
# means the same in every tool that reads a trace) and the largest pool-relative time factor. NaN and infinities are
# refused everywhere: a setting is written to the trace and must read back as the same number.
COUNT_BOUNDS = {"codes": (1, 256), "tests": (1, 256), "hints": (1, 32), "hints_per_plan": (1, 32), "votes": (1, 32),
                "regenerations": (0, 16), "rounds": (0, 100), "inputs": (1, 1024)}
MAX_SEED = 2 ** 63 - 1
MAX_RELATIVE_TIME_LIMIT = 1000
# The trusted UT of stage 2 step 3 must be passed by at least this share of the code pool (rounded up to whole
# codes, at least one): 0.375 is 6 of 16 codes. Chosen by measurement on the dev split (docs/deviations.md,
# "Minimum support of the trusted UT": the largest share that gave up no successful repair there).
DEFAULT_TRUSTED_MIN_SUPPORT = 0.375


@dataclass(frozen=True)
class RunConfig:
    """Settings of one CoSPlay run (the paper's defaults; docs/deviations.md lists where they differ)."""

    codes: int = 16
    tests: int = 16
    hints: int = 6
    hints_per_plan: int = 2
    votes: int = 4
    regenerations: int = 2
    rounds: int = 5
    inputs: int = 16
    seed: int = 0
    relative_time_limit: float | None = 20.0  # pool-relative time limits (sandbox/relative.py); None: full limits
    trusted_min_support: float = DEFAULT_TRUSTED_MIN_SUPPORT  # share of the code pool the trusted UT needs
    policies: Policies = field(default_factory=Policies)

    def __post_init__(self) -> None:
        for name, (low, high) in COUNT_BOUNDS.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ValueError(f"{name} must be a whole number from {low} to {high}, not {value!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or not 0 <= self.seed <= MAX_SEED:
            raise ValueError(f"seed must be a whole number from 0 to {MAX_SEED}, not {self.seed!r}")
        factor = self.relative_time_limit
        if factor is not None and (isinstance(factor, bool) or not isinstance(factor, (int, float))
                                   or not math.isfinite(factor) or not 2 <= factor <= MAX_RELATIVE_TIME_LIMIT):
            raise ValueError(f"relative_time_limit must be a number from 2 to {MAX_RELATIVE_TIME_LIMIT} (or none), "
                             f"not {factor!r}")
        support = self.trusted_min_support
        if isinstance(support, bool) or not isinstance(support, (int, float)) or not math.isfinite(support) \
                or not 0 <= support <= 1:
            raise ValueError(f"trusted_min_support must be a number from 0 to 1 (a share of the code pool), "
                             f"not {support!r}")
        if not isinstance(self.policies, Policies):
            raise ValueError(f"policies must be Policies, not {self.policies!r}")

    @property
    def agreement_needed(self) -> int:
        """Votes that must agree for a predicted output to be kept: ceil(3k/4)."""
        return math.ceil(3 * self.votes / 4) if self.policies.self_consistency else 1

    def agreement_needed_of(self, cast: int) -> int:
        """Votes that must agree among `cast` predictions given: `agreement_needed`, or with `votes_cast`
        ceil(3m/4) of the m = min(cast, k) given (at least 1)."""
        if not self.policies.votes_cast or not self.policies.self_consistency:
            return self.agreement_needed
        return max(1, math.ceil(3 * min(cast, self.votes) / 4))

    def trusted_min_passes(self, pool_size: int) -> int:
        """Codes that must pass a UT for stage 2 step 3 to trust it: `trusted_min_support` of `pool_size`, rounded
        up, at least 1."""
        return max(1, math.ceil(self.trusted_min_support * pool_size - 1e-9))

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "RunConfig":
        """The settings `to_dict` wrote; ValueError (one line) for anything else."""
        if not isinstance(data, dict) or not isinstance(data.get("policies", {}), dict):
            raise ValueError("run settings must be an object with a policies object")
        data = dict(data)
        policies = data.pop("policies", {})
        unknown = sorted(set(data) - {f.name for f in fields(cls)}) + sorted(set(policies) - set(Policies.names()))
        if unknown:
            raise ValueError(f"unknown run setting {unknown[0]!r}")
        if not all(isinstance(v, bool) for v in policies.values()):
            raise ValueError("every policy must be true or false")
        return cls(policies=Policies(**policies), **data)
