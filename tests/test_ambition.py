"""benchmarks/ambition.py: the candidates are departures from the paper's rules, and the dev choice is a fixed rule."""

from __future__ import annotations

import sys

from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import ambition  # noqa: E402


def test_the_paper_rules_switch_off_exactly_the_departures():
    assert not ambition.PAPER.votes_cast and not ambition.PAPER.cluster_all_codes
    assert ambition.policies_of("votes_cast + cluster_all_codes") == ambition.Policies()  # the defaults


def test_the_choice_is_the_best_dev_mean_ties_to_fewer_departures():
    dev = {"paper rules": (33.3, 1.7), "votes_cast": (36.8, 2.7), "votes_cast + cluster_all_codes": (39.0, 3.3)}
    assert ambition.choose(dev) == "votes_cast + cluster_all_codes"
    assert ambition.choose(dict(dev, votes_cast=(39.0, 0.1))) == "votes_cast"
