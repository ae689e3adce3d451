"""Code selectors: CoSPlay's stage-3 consensus and the baselines it is compared with.

Every selector is a pure function over data the engine already computed:

- `passes`: bool array (n_codes, n_tests), `passes[i, j]` is True when code i passes unit test j;
  `pCode = passes.sum(1)`, `pUT = passes.sum(0)`.
- `signatures`: one entry per code, each a tuple with one entry per random input: a hashable canonical output,
  or `None` for ERR (the run failed: error, timeout, memory or output limit).

Code ids are row indices. Unless a rule says otherwise, ties resolve to the lowest index.

`SELECTORS` is the one table of selectors (name -> label, what it reads, which pool, `rank`): each `rank` returns a
`Ranking`, ranked tie groups as CodeT's `agreement.py` shapes them. The choice is the first code of the first group;
`metrics.tie_shared_pass1` of the first group is CodeT's pass@1. The run, `bench`, the HumanEval benchmark, `viz`
and the app read this table; the `select_*` functions are the single-choice forms the rankings agree with.
"""

from __future__ import annotations

import math
import random
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Callable, Literal, Optional, Union

import numpy as np
from numpy.typing import ArrayLike

ERR = None  # the signature entry of a failed run
Signature = tuple[Optional[Hashable], ...]
SignatureTable = Union[Sequence[Signature], Mapping[int, Signature]]


# -- helpers -----------------------------------------------------------------------------------------------------


def _as_pass_matrix(passes: ArrayLike) -> np.ndarray:
    matrix = np.asarray(passes, dtype=bool)
    if matrix.ndim != 2:
        raise ValueError(f"passes must be a 2-D (codes x tests) matrix, got shape {matrix.shape}")
    if matrix.shape[0] == 0:
        raise ValueError("there is no code to select from")
    return matrix


def _checked_signatures(signatures: Sequence[Signature]) -> list[Signature]:
    table = [tuple(signature) for signature in signatures]
    if not table:
        raise ValueError("there is no code to select from")
    lengths = {len(signature) for signature in table}
    if len(lengths) > 1:
        raise ValueError(f"signatures cover different numbers of inputs: {sorted(lengths)}")
    return table


def error_count(signature: Signature) -> int:
    """Number of ERR entries (failed runs) in a signature."""
    return sum(1 for entry in signature if entry is ERR)


def has_no_output(signature: Signature) -> bool:
    """True when the signature holds no output at all (every run failed, or there were no inputs)."""
    return all(entry is ERR for entry in signature)


# -- random and best-of-N ------------------------------------------------------------------------------------------


def select_random(n_codes: int, rng: random.Random) -> int:
    """A uniformly random code id in `range(n_codes)`, drawn from `rng` (deterministic for a seeded rng)."""
    if n_codes < 1:
        raise ValueError("there is no code to select from")
    return rng.randrange(n_codes)


# -- CodeT dual execution agreement -------------------------------------------------------------------------------

CodeTVariant = Literal["paper", "released"]


@dataclass(frozen=True)
class ConsensusSet:
    """CodeT consensus set: the codes that pass exactly the tests in `tests`, and the set's score."""

    codes: tuple[int, ...]
    tests: tuple[int, ...]
    score: float


def _codet_rank_key(n_tests: int, n_codes: int, variant: CodeTVariant) -> int:
    """An exact integer with the same order as the score (avoids float ties such as 1*sqrt(8) vs 2*sqrt(2))."""
    if variant == "paper":
        return n_tests * n_codes
    return n_tests * n_tests * n_codes  # (t * sqrt(c))^2


def _codet_score(n_tests: int, n_codes: int, variant: CodeTVariant) -> float:
    if variant == "paper":
        return float(n_tests * n_codes)
    if variant == "released":
        return n_tests * math.sqrt(n_codes)
    raise ValueError(f"unknown CodeT variant {variant!r}: use 'paper' or 'released'")


def codet_consensus_sets(passes: ArrayLike, variant: CodeTVariant = "paper") -> list[ConsensusSet]:
    """CodeT's consensus sets: codes that pass exactly the same set of tests, one set per distinct pass pattern.

    Variants of the score (CodeT, Chen et al. 2022):
    - "paper": ``len(tests) * len(codes)``, the dual execution agreement of the paper;
    - "released": ``len(tests) * sqrt(len(codes))``, what the released ``CodeT/src/agreement.py`` computes.
    Codes that pass no test form a set too; its score is 0. Sets are listed in order of their lowest code index,
    codes and tests within a set in increasing order.
    """
    matrix = _as_pass_matrix(passes)
    _codet_score(0, 1, variant)  # validates the variant name
    groups: dict[bytes, list[int]] = {}
    for code in range(matrix.shape[0]):
        groups.setdefault(np.packbits(matrix[code]).tobytes(), []).append(code)
    sets = []
    for codes in groups.values():  # dicts keep insertion order: ordered by lowest code index
        tests = tuple(int(t) for t in np.flatnonzero(matrix[codes[0]]))
        sets.append(ConsensusSet(tuple(codes), tests, _codet_score(len(tests), len(codes), variant)))
    return sets


# -- output agreement: MBR-exec and AlphaCode-style clustering --------------------------------------------------


def mbr_exec_scores(signatures: Sequence[Signature], soft: bool = False) -> list[int]:
    """MBR-exec agreement of each code with the others (Shi et al. 2022).

    Hard (default): the number of other codes whose signature is identical on every input (an ERR entry equals
    only an ERR entry); a code with no output at all agrees with nothing (score 0).
    Soft: the number of (other code, input) pairs on which both produced the same output; ERR agrees with nothing,
    so only real outputs earn agreement. Soft rewards near-misses, e.g. a code that differs on one input of 16.
    """
    table = _checked_signatures(signatures)
    scores = []
    for i, mine in enumerate(table):
        if has_no_output(mine):
            scores.append(0)
            continue
        total = 0
        for j, other in enumerate(table):
            if i == j:
                continue
            if soft:
                total += sum(1 for a, b in zip(mine, other) if a is not ERR and a == b)
            else:
                total += int(mine == other)
        scores.append(total)
    return scores


def identical_output_clusters(signatures: Sequence[Signature]) -> list[list[int]]:
    """Codes grouped by identical signature (ERR entries included), clusters ordered by their lowest code index."""
    groups: dict[Signature, list[int]] = {}
    for code, signature in enumerate(_checked_signatures(signatures)):
        groups.setdefault(signature, []).append(code)
    return list(groups.values())


# -- CoSPlay stage 3: output-consensus clusters ---------------------------------------------------------------------


def compatible(sig_a: Signature, sig_b: Signature) -> bool:
    """True when the two signatures agree on every input where neither is ERR (ERR matches anything)."""
    if len(sig_a) != len(sig_b):
        raise ValueError(f"signatures cover different numbers of inputs: {len(sig_a)} and {len(sig_b)}")
    return all(a is ERR or b is ERR or a == b for a, b in zip(sig_a, sig_b))


def _checked_candidates(signatures: SignatureTable, candidates: Sequence[int]) -> list[int]:
    codes = [int(c) for c in candidates]
    if not codes:
        raise ValueError("there is no candidate code")
    if len(set(codes)) != len(codes):
        raise ValueError(f"candidate codes repeat: {codes}")
    lengths = {len(signatures[c]) for c in codes}
    if len(lengths) > 1:
        raise ValueError(f"signatures cover different numbers of inputs: {sorted(lengths)}")
    return codes


def consensus_clusters(signatures: SignatureTable, candidates: Sequence[int]) -> list[list[int]]:
    """Partitions the candidate codes into clusters whose members are pairwise compatible.

    `signatures[c]` is code c's signature (a list indexed by code id, or a mapping from code id).
    Compatibility is not transitive (with A=(1, 2), B=(1, 3), C=(1, ERR), C matches both A and B, which disagree),
    so clusters are built greedily and deterministically:

    1. Codes that produced an output are taken in order of fewest ERR, then lowest id. Each joins the largest
       existing cluster all of whose members it is compatible with (ties: the cluster formed first); a code
       compatible with no cluster starts a new one.
    2. Codes with no output at all (every run ERR) would match everything, so they join no cluster of others:
       each forms its own single-code cluster, unless every candidate is output-less (also the case when there
       were no random inputs), in which case they form one cluster: nothing tells them apart.

    Why this rule: error-free signatures are compatible only when identical, so codes without ERR always cluster
    by exact output, whatever the order; ERR-free codes seed the clusters because their behaviour is fully known.
    A code with some ERR is ambiguous where it failed; when it fits several clusters, joining the largest means it
    adds weight to the stronger hypothesis instead of lifting a smaller one level with it, as first-fit can. Connected
    components of the compatibility graph were rejected: one code with ERR entries would chain disagreeing codes
    into a single cluster. Members of a cluster are in increasing id order; clusters are ordered by lowest id.
    """
    codes = _checked_candidates(signatures, candidates)
    speaking = [c for c in codes if not has_no_output(signatures[c])]
    silent = sorted(c for c in codes if has_no_output(signatures[c]))
    if not speaking:
        return [silent]
    clusters: list[list[int]] = []
    for code in sorted(speaking, key=lambda c: (error_count(signatures[c]), c)):
        fitting = [cluster for cluster in clusters
                   if all(compatible(signatures[code], signatures[member]) for member in cluster)]
        if fitting:
            max(fitting, key=len).append(code)  # max keeps the first of equal sizes: the cluster formed first
        else:
            clusters.append([code])
    clusters.extend([code] for code in silent)
    return sorted((sorted(cluster) for cluster in clusters), key=lambda cluster: cluster[0])


@dataclass(frozen=True)
class ConsensusChoice:
    """The outcome of stage 3: the clusters (ordered by lowest code id), the index of the chosen one in
    `clusters`, the chosen code, and plain-language sentences explaining the choice."""

    clusters: list[list[int]]
    chosen_cluster: int
    code: int
    reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"clusters": [list(c) for c in self.clusters], "chosen_cluster": self.chosen_cluster,
                "code": self.code, "reasons": list(self.reasons)}


def _set_text(codes: Sequence[int]) -> str:
    return "{" + ", ".join(str(c) for c in codes) + "}"


def _join_words(words: Sequence[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _tests_text(count: int) -> str:
    return _plural(count, "passed test")


def consensus_select(signatures: SignatureTable, pass_counts: Sequence[int] | np.ndarray,
                     candidates: Sequence[int]) -> ConsensusChoice:
    """CoSPlay stage 3: cluster the candidates (see `consensus_clusters`) and choose one code.

    Cluster choice: the largest; ties: higher total pCode, then fewer ERR in total, then lowest code id.
    Within the cluster: highest pCode, then fewest ERR, then lowest id. A single candidate is chosen without
    clustering. `signatures` and `pass_counts` are indexed by code id; only the candidates' entries are read.
    """
    codes = _checked_candidates(signatures, candidates)
    passed = {c: int(pass_counts[c]) for c in codes}
    errors = {c: error_count(signatures[c]) for c in codes}

    if len(codes) == 1:
        only = codes[0]
        return ConsensusChoice([[only]], 0, only, [
            f"Code {only} is the only candidate ({_tests_text(passed[only])}), so no clustering is needed."])

    reasons = []
    ordered = sorted(codes)
    distinct_counts = sorted({passed[c] for c in codes}, reverse=True)
    if len(distinct_counts) == 1:
        reasons.append(f"{len(codes)} codes tie at {_tests_text(distinct_counts[0])}: "
                       f"{_join_words([str(c) for c in ordered])}.")
    else:
        reasons.append(f"{len(codes)} candidate codes: "
                       + _join_words([f"{c} ({_tests_text(passed[c])})" for c in ordered]) + ".")

    clusters = consensus_clusters(signatures, codes)
    n_inputs = len(signatures[codes[0]])
    cluster_words = _join_words([_set_text(cluster) for cluster in clusters])
    silent = [c for c in ordered if has_no_output(signatures[c])]
    if n_inputs == 0:
        reasons.append(f"No random input was run, so nothing tells them apart: they form 1 cluster, {cluster_words}.")
    elif len(silent) == len(codes):
        reasons.append(f"Every run on the {_plural(n_inputs, 'random input')} failed, so nothing tells them apart: "
                       f"they form 1 cluster, {cluster_words}.")
    elif len(clusters) == 1:
        reasons.append(f"Their outputs on {_plural(n_inputs, 'random input')} all agree: "
                       f"they form 1 cluster, {cluster_words}.")
    else:
        reasons.append(f"Their outputs on {_plural(n_inputs, 'random input')} form {len(clusters)} clusters: "
                       f"{cluster_words}.")
    with_errors = [c for c in ordered if errors[c]]
    if with_errors:
        by_count: dict[int, list[int]] = {}
        for c in with_errors:
            by_count.setdefault(errors[c], []).append(c)
        groups = [f"{'code' if len(group) == 1 else 'codes'} {_join_words([str(c) for c in group])} "
                  f"failed on {_plural(count, 'input')}{'' if len(group) == 1 else ' each'}"
                  for count, group in sorted(by_count.items())]
        reasons.append("A failed run (error, timeout or limit) matches any output: " + "; ".join(groups) + ".")
    if silent and len(silent) < len(codes):
        reasons.append(f"{'Code' if len(silent) == 1 else 'Codes'} {_join_words([str(c) for c in silent])} "
                       "produced no output at all, so "
                       f"{'it joins' if len(silent) == 1 else 'they join'} no cluster of others.")

    def cluster_key(index: int) -> tuple:
        cluster = clusters[index]
        return (-len(cluster), -sum(passed[c] for c in cluster), sum(errors[c] for c in cluster), cluster[0])

    ranking = sorted(range(len(clusters)), key=cluster_key)
    chosen_cluster = ranking[0]
    winner = clusters[chosen_cluster]
    reasons.append(_cluster_decision(clusters, ranking, passed, errors))

    def code_key(code: int) -> tuple:
        return (-passed[code], errors[code], code)

    chosen = min(winner, key=code_key)
    reasons.append(_code_decision(winner, chosen, passed, errors))
    return ConsensusChoice(clusters, chosen_cluster, chosen, reasons)


def _cluster_decision(clusters: list[list[int]], ranking: list[int], passed: dict[int, int],
                      errors: dict[int, int]) -> str:
    """One sentence naming the winning cluster and the rule that decided it."""
    winner = clusters[ranking[0]]
    if len(clusters) == 1:
        return f"The only cluster, {_set_text(winner)}, wins."
    rivals = [clusters[i] for i in ranking[1:] if len(clusters[i]) == len(winner)]
    if not rivals:
        return f"The largest, {_set_text(winner)} ({_plural(len(winner), 'code')}), wins."
    clauses = [f"{_join_words([_set_text(c) for c in [winner] + rivals])} tie at {_plural(len(winner), 'code')}"]
    criteria = [
        ("passed tests", "on the higher total of passed tests", lambda c: -sum(passed[m] for m in c)),
        ("failed runs", "on fewer failed runs", lambda c: sum(errors[m] for m in c)),
    ]
    for topic, win_phrase, cost in criteria:
        if all(cost(c) > cost(winner) for c in rivals):
            runner_up = min(cost(c) for c in rivals)
            clauses.append(f"{_set_text(winner)} wins {win_phrase} ({abs(cost(winner))} vs {abs(runner_up)})")
            return "; ".join(clauses) + "."
        still_tied = [c for c in rivals if cost(c) == cost(winner)]
        who = "they" if len(still_tied) == len(rivals) else _join_words([_set_text(c) for c in [winner] + still_tied])
        clauses.append(f"{who} also tie on {topic} ({abs(cost(winner))} in total each)")
        rivals = still_tied
    clauses.append(f"{_set_text(winner)} wins because it holds the lowest code id")
    return "; ".join(clauses) + "."


def _code_decision(cluster: list[int], chosen: int, passed: dict[int, int], errors: dict[int, int]) -> str:
    """One sentence naming the chosen code within its cluster and the rule that decided it."""
    if len(cluster) == 1:
        return f"Its only code, {chosen}, is chosen."
    best_passed = passed[chosen]
    top = [c for c in cluster if passed[c] == best_passed]
    if len(top) == 1:
        return f"Within it, code {chosen} is chosen: it has the most passed tests ({best_passed})."
    opening = "Within it, " + ("all its codes" if len(top) == len(cluster) else
                               f"codes {_join_words([str(c) for c in top])}") + f" tie at {_tests_text(best_passed)}"
    fewest = errors[chosen]
    least_err = [c for c in top if errors[c] == fewest]
    if len(least_err) == 1:
        return f"{opening}; code {chosen} has the fewest failed runs ({fewest})."
    if len(least_err) == len(top):
        return f"{opening} and {_plural(fewest, 'failed run')} each; code {chosen} has the lowest id."
    return (f"{opening}; codes {_join_words([str(c) for c in least_err])} have the fewest failed runs ({fewest}), "
            f"and code {chosen} has the lowest id.")


# -- ranked tie groups: one shape for every selector, one table ---------------------------------------------------


@dataclass(frozen=True)
class Ranking:
    """A selector's verdict as CodeT shapes it: tie groups of code ids, best first, each with a score (higher is
    better; None where the rule has no single number). Codes within a group are in the order the rule prefers them,
    so the choice is the first code of the first group; every code appears once."""

    groups: tuple[tuple[int, ...], ...]
    scores: tuple[Optional[float], ...] = ()

    @property
    def choice(self) -> int:
        """The chosen code: the first code of the first group."""
        return self.groups[0][0]

    @property
    def top(self) -> tuple[int, ...]:
        """The codes tied at the top (the first group)."""
        return self.groups[0]

    def to_dict(self) -> dict:
        return {"groups": [list(g) for g in self.groups], "scores": list(self.scores)}


def _ranking_by_key(keys: Sequence[Hashable], order: Optional[Sequence[int]] = None,
                    scores: Optional[Sequence[Optional[float]]] = None) -> Ranking:
    """Codes grouped by equal `keys[code]` (lower key ranks first), groups ordered by key; within a group in the
    order of `order` (default: increasing id). `scores[code]` is each group's score."""
    codes = list(order) if order is not None else list(range(len(keys)))
    if not codes:
        raise ValueError("there is no code to select from")
    groups: dict[Hashable, list[int]] = {}
    for code in codes:
        groups.setdefault(keys[code], []).append(code)
    ranked = sorted(groups.items(), key=lambda item: item[0])  # type: ignore[arg-type, return-value]
    return Ranking(tuple(tuple(g) for _, g in ranked),
                   tuple(None if scores is None else scores[g[0]] for _, g in ranked))


@dataclass(frozen=True)
class Evidence:
    """What selectors read for one problem's pool: `passes` (codes x UTs), UT multiplicities `counts` (None: each
    UT once), `signatures` on random inputs (None: none were run), and the `seed` of a random pick."""

    passes: np.ndarray
    counts: Optional[Sequence[int] | np.ndarray] = None
    signatures: Optional[Sequence[Signature]] = None
    seed: int = 0

    @property
    def n_codes(self) -> int:
        return int(np.asarray(self.passes).shape[0])

    @property
    def pass_counts(self) -> np.ndarray:
        return _as_pass_matrix(self.passes).sum(axis=1)


def rank_random(evidence: Evidence) -> Ranking:
    """One group of every code (a random pick's expected accuracy is the pool's pass@1); its first code is the
    seeded pick of `select_random`."""
    n = evidence.n_codes
    first = select_random(n, random.Random(evidence.seed))
    return Ranking((tuple([first] + [c for c in range(n) if c != first]),), (None,))


def rank_bon(evidence: Evidence) -> Ranking:
    """Best-of-N (CURE): codes grouped by pass count, most first; within a group by id."""
    counts = evidence.pass_counts
    return _ranking_by_key([-int(c) for c in counts], scores=[float(c) for c in counts])


def rank_codet(evidence: Evidence, variant: CodeTVariant = "paper") -> Ranking:
    """CodeT's dual execution agreement as its released `agreement.py` ranks it: consensus sets (codes passing the
    same UTs) by score, sets tied at a score merged into one group (their codes by id). Score: "paper" |tests| x
    |codes| over distinct UTs; "released" w x sqrt(|codes|), w the passed UTs counted with `evidence.counts`. Codes
    passing no UT score 0 (CodeT leaves them out: when every code passes nothing, the one group is the pool)."""
    matrix = _as_pass_matrix(evidence.passes)
    _codet_score(0, 1, variant)  # validates the variant name
    if variant == "released" and evidence.counts is not None:
        weights = np.asarray(evidence.counts, dtype=int)
    else:
        weights = np.ones(matrix.shape[1], dtype=int)
    if weights.shape[0] != matrix.shape[1]:
        raise ValueError(f"{weights.shape[0]} UT counts for {matrix.shape[1]} UTs")
    sets = codet_consensus_sets(matrix, variant)
    keys: list[int] = [0] * matrix.shape[0]
    scores: list[float] = [0.0] * matrix.shape[0]
    for s in sets:
        weight = int(weights[list(s.tests)].sum()) if s.tests else 0
        for code in s.codes:
            keys[code] = -_codet_rank_key(weight, len(s.codes), variant)
            scores[code] = _codet_score(weight, len(s.codes), variant)
    return _ranking_by_key(keys, scores=scores)


def rank_codet_released(evidence: Evidence) -> Ranking:
    """`rank_codet` with the released code's score."""
    return rank_codet(evidence, "released")


def _signatures_of(evidence: Evidence) -> list[Signature]:
    if evidence.signatures is None:
        raise ValueError("this selector needs signatures on random inputs")
    table = _checked_signatures(evidence.signatures)
    if len(table) != evidence.n_codes:
        raise ValueError(f"{len(table)} signatures for {evidence.n_codes} codes")
    return table


def rank_mbr_exec(evidence: Evidence) -> Ranking:
    """MBR-exec (soft, `mbr_exec_scores`): codes grouped by agreement, most first, codes with some output before
    those with none; within a group by id."""
    table = _signatures_of(evidence)
    scores = mbr_exec_scores(table, soft=True)
    return _ranking_by_key([(-scores[i], has_no_output(table[i])) for i in range(len(table))],
                           scores=[float(s) for s in scores])


def rank_largest_cluster(evidence: Evidence) -> Ranking:
    """AlphaCode-style clusters of identical signatures by size, largest first, clusters of equal size in one group
    (their codes by id); clusters with no output at all after those with some."""
    table = _signatures_of(evidence)
    keys: list[tuple[bool, int]] = [(False, 0)] * len(table)
    for cluster in identical_output_clusters(table):
        for code in cluster:
            keys[code] = (has_no_output(table[cluster[0]]), -len(cluster))
    return _ranking_by_key(keys, scores=[float(-k[1]) for k in keys])


def stage3_ranking(pass_counts: ArrayLike, signatures: Optional[SignatureTable], cluster_ties: bool = True,
                   cluster_all: bool = False) -> tuple[Ranking, Optional[ConsensusChoice], list[int]]:
    """CoSPlay's stage 3 as ranked groups, with its `consensus_select` choice and the clustered candidates.

    Candidates: the codes tied at the top pass count (every code with `cluster_all`). They are clustered
    (`consensus_select`) when there are several and `cluster_ties` or `cluster_all`. The first group holds what the
    rule tells apart only by code id: in the winning cluster and in every cluster tied with it on (size, total pass
    count, total ERR), the codes with that cluster's best (pass count, fewest ERR), the chosen code first; the other
    codes of those clusters follow as one group, then the other clusters in their rank order, then the codes left
    out of clustering by pass count. Without clustering the tied codes are one group (by id). `signatures[c]` is
    code c's signature."""
    counts = [int(c) for c in np.asarray(pass_counts).reshape(-1)]
    if not counts:
        raise ValueError("there is no code to select from")
    best = max(counts)
    codes = list(range(len(counts)))
    candidates = codes if cluster_all and len(codes) > 1 else [c for c in codes if counts[c] == best]
    rest = [c for c in codes if c not in set(candidates)]
    tail = _ranking_by_key([-counts[c] for c in codes], order=rest, scores=[float(c) for c in counts]).groups \
        if rest else ()
    if signatures is None or not (cluster_ties or cluster_all) or (len(candidates) == 1 and not cluster_all):
        head = (tuple(candidates),)
        return Ranking(head + tail, (float(best),) + (None,) * len(tail)), None, candidates
    choice = consensus_select(signatures, counts, candidates)
    errors = {c: error_count(signatures[c]) for c in candidates}

    def cluster_key(cluster: list[int]) -> tuple:
        return (-len(cluster), -sum(counts[c] for c in cluster), sum(errors[c] for c in cluster))

    def code_key(code: int) -> tuple:
        return (-counts[code], errors[code], code)

    winner = choice.clusters[choice.chosen_cluster]
    ordered = sorted(choice.clusters, key=lambda cluster: (cluster_key(cluster), cluster[0]))
    tied = [cluster for cluster in ordered if cluster_key(cluster) == cluster_key(winner)]
    best_codes = [[c for c in cluster if code_key(c)[:2] == min(code_key(m)[:2] for m in cluster)] for cluster in tied]
    top = [choice.code] + sorted((c for group in best_codes for c in group if c != choice.code), key=code_key)
    runners = sorted((c for cluster in tied for c in cluster if c not in set(top)), key=code_key)
    others = [tuple(sorted(cluster, key=code_key)) for cluster in ordered if cluster_key(cluster) != cluster_key(winner)]
    groups = (tuple(top),) + ((tuple(runners),) if runners else ()) + tuple(others) + tail
    scores = (float(len(winner)),) + ((float(len(winner)),) if runners else ()) \
        + tuple(float(len(g)) for g in others) + (None,) * len(tail)
    return Ranking(groups, scores), choice, candidates


def rank_stage3(evidence: Evidence) -> Ranking:
    """CoSPlay's stage 3 over the pool (`stage3_ranking`): the codes tied at the top pass count, clustered on their
    signatures when there are signature inputs."""
    signatures = evidence.signatures if evidence.signatures and len(evidence.signatures[0]) > 0 else None
    return stage3_ranking(evidence.pass_counts, list(signatures) if signatures is not None else None,
                          cluster_ties=signatures is not None)[0]


@dataclass(frozen=True)
class Selector:
    """One row of the selector table: its `name`, the `label` people read, whether it reads the UT pass matrix
    (`needs_tests`) and `signatures` on random inputs, which pool it ranks ("initial": the stage-1 pools, a
    baseline; "final": CoSPlay's pools after self-play) and `rank`."""

    name: str
    label: str
    needs_tests: bool
    needs_signatures: bool
    pool: Literal["initial", "final"]
    rank: Callable[[Evidence], Ranking]


SELECTORS: dict[str, Selector] = {s.name: s for s in (
    Selector("cosplay", "CoSPlay (self-play + cluster)", True, True, "final", rank_stage3),
    Selector("cosplay_bon", "CoSPlay self-play + BoN", True, False, "final", rank_bon),
    Selector("random", "random pick (pool pass@1)", False, False, "initial", rank_random),
    Selector("bon", "BoN by pass count", True, False, "initial", rank_bon),
    Selector("codet", "CodeT (paper score)", True, False, "initial", rank_codet),
    Selector("codet_released", "CodeT (released score)", True, False, "initial", rank_codet_released),
    Selector("mbr_exec", "MBR-exec (soft)", False, True, "initial", rank_mbr_exec),
    Selector("largest_cluster", "largest output cluster", False, True, "initial", rank_largest_cluster),
    Selector("stage3_only", "CoSPlay stage 3 only", True, True, "initial", rank_stage3),
)}
LABELS: dict[str, str] = {name: s.label for name, s in SELECTORS.items()}
BASELINES: tuple[str, ...] = tuple(name for name, s in SELECTORS.items() if s.pool == "initial")


def rank_all(evidence: Evidence, pool: Literal["initial", "final"] = "initial") -> dict[str, Ranking]:
    """Every selector of the table that ranks `pool`, on `evidence`; selectors needing signatures are left out
    when `evidence.signatures` is None."""
    return {name: s.rank(evidence) for name, s in SELECTORS.items()
            if s.pool == pool and (evidence.signatures is not None or not s.needs_signatures)}
