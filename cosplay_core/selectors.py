"""Code selectors: CoSPlay's stage-3 consensus and the baselines it is compared with.

Every selector is a pure function over data the engine already computed:

- `passes`: bool array (n_codes, n_tests), `passes[i, j]` is True when code i passes unit test j;
  `pCode = passes.sum(1)`, `pUT = passes.sum(0)`.
- `signatures`: one entry per code, each a tuple with one entry per random input: a hashable canonical output,
  or `None` for ERR (the run failed: error, timeout, memory or output limit).

Code ids are row indices. Unless a rule says otherwise, ties resolve to the lowest index.
"""

from __future__ import annotations

import math
import random
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Optional, Union

import numpy as np

ERR = None  # the signature entry of a failed run
Signature = tuple[Optional[Hashable], ...]
SignatureTable = Union[Sequence[Signature], Mapping[int, Signature]]


# -- helpers -----------------------------------------------------------------------------------------------------


def _as_pass_matrix(passes) -> np.ndarray:
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


def expected_random_accuracy(gt_correct) -> float:
    """The accuracy a random pick has in expectation: the share of GT-correct codes (the pool's pass@1)."""
    correct = np.asarray(gt_correct, dtype=bool)
    if correct.size == 0:
        raise ValueError("there is no code in the pool")
    return float(correct.mean())


def select_bon(passes) -> int:
    """Best-of-N as CURE does it: the code that passes the most unit tests, ties to the lowest index."""
    return int(np.argmax(_as_pass_matrix(passes).sum(axis=1)))


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


def codet_consensus_sets(passes, variant: CodeTVariant = "paper") -> list[ConsensusSet]:
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


def select_codet(passes, variant: CodeTVariant = "paper") -> int:
    """CodeT's choice: the highest-scoring consensus set (see `codet_consensus_sets` for the two score variants),
    ties to the set whose lowest code index is lowest; within the set, its lowest code index.

    When no code passes any test every set scores 0 and the choice is code 0.
    """
    sets = codet_consensus_sets(passes, variant)
    best = max(sets, key=lambda s: (_codet_rank_key(len(s.tests), len(s.codes), variant), -s.codes[0]))
    return best.codes[0]


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


def select_mbr_exec(signatures: Sequence[Signature], soft: bool = False) -> int:
    """MBR-exec's choice: the code that agrees most with the others (see `mbr_exec_scores`; hard by default).

    Ties: a code that produced at least one output before one that produced none, then the lowest index.
    """
    table = _checked_signatures(signatures)
    scores = mbr_exec_scores(table, soft=soft)
    return min(range(len(table)), key=lambda i: (-scores[i], has_no_output(table[i]), i))


def identical_output_clusters(signatures: Sequence[Signature]) -> list[list[int]]:
    """Codes grouped by identical signature (ERR entries included), clusters ordered by their lowest code index."""
    groups: dict[Signature, list[int]] = {}
    for code, signature in enumerate(_checked_signatures(signatures)):
        groups.setdefault(signature, []).append(code)
    return list(groups.values())


def select_largest_output_cluster(signatures: Sequence[Signature]) -> int:
    """AlphaCode-style choice: the lowest code index of the largest cluster of identical signatures.

    Signatures with no output at all are left out unless no code produced any output. Ties between clusters of
    equal size go to the cluster whose lowest code index is lowest.
    """
    table = _checked_signatures(signatures)
    clusters = identical_output_clusters(table)
    with_output = [cluster for cluster in clusters if not has_no_output(table[cluster[0]])]
    eligible = with_output or clusters
    best = max(eligible, key=lambda cluster: (len(cluster), -cluster[0]))
    return best[0]


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


def consensus_select(signatures: SignatureTable, pass_counts, candidates: Sequence[int]) -> ConsensusChoice:
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
