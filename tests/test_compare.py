"""Output comparison: tokens, exact, float tolerance, JSON values."""

import pytest

from cosplay_core.compare import Comparison, outcome_matches, text_outputs_equal, values_equal
from cosplay_core.sandbox import Outcome


def test_tokens_ignore_whitespace_layout():
    assert text_outputs_equal("1 2\n3\n", "1\n2 3")
    assert not text_outputs_equal("1 2 3", "1 2")
    assert not text_outputs_equal("1.0", "1")


def test_exact_keeps_whitespace():
    assert text_outputs_equal("a\n", "a\n", Comparison.parse("exact"))
    assert not text_outputs_equal("a\n", "a", Comparison.parse("exact"))


def test_float_tolerance_is_absolute_or_relative():
    c = Comparison.parse("float:1e-6")
    assert text_outputs_equal("0.3333333", "0.33333335", c)
    assert text_outputs_equal("1000000000.0", "1000000000.5", c)  # relative
    assert not text_outputs_equal("0.5", "0.5001", c)
    assert text_outputs_equal("YES 1.0", "YES 1.0000001", c)
    assert not text_outputs_equal("YES 1.0", "NO 1.0", c)
    assert not text_outputs_equal("nan", "1.0", c)


@pytest.mark.parametrize("spec", ["float:", "float:abc", "approx", "float:-1"])
def test_bad_specs_are_rejected(spec):
    with pytest.raises(ValueError, match="compare must be"):
        Comparison.parse(spec)


def test_json_values_follow_python_equality():
    assert values_equal([1, [2, 3]], [1, [2, 3]])
    assert values_equal({"a": 1.0}, {"a": 1.0000000001})
    assert values_equal(True, 1)  # as Python's == and HumanEval's asserts
    assert not values_equal([1, 2], [2, 1])
    assert not values_equal("1", 1)
    assert not values_equal([1], {"0": 1})
    assert not values_equal(None, [])


def test_failed_runs_never_match():
    assert not outcome_matches("", Outcome("timeout"), "stdin")
    assert outcome_matches("3", Outcome("ok", stdout="3\n"), "stdin")
    assert outcome_matches([1, 2], Outcome("ok", value=[1, 2]), "function")
