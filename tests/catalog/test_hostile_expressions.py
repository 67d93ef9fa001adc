"""Hostile expressions end within their limit, with a JSONata-style error naming them.

Each is what a signed-in user could type into a transform, a condition or a `{{ }}` field;
before the evaluator processes and RE2, each of these ran for seconds to minutes holding
the GIL (a backtracking match), or allocated gigabytes."""

from __future__ import annotations

import contextlib
import time

import pytest

from catalog.expressions.evaluate import ExpressionError, evaluate

LIMIT_S = 1.0
SLACK_S = 0.5
EVIL = "a" * 31 + "!"
CATASTROPHIC = "/(a+)+$/"

# Regular expressions: RE2 matches in linear time, so these now simply answer.
REGEXES = [
    f'$match("{EVIL}", {CATASTROPHIC})',
    f'$contains("{EVIL}", {CATASTROPHIC})',
    f'$replace("{EVIL}", {CATASTROPHIC}, "x")',
    f'$split("{EVIL}", {CATASTROPHIC})',
    f"$eval('$match(\"{EVIL}\", {CATASTROPHIC})')",
]

# Everything else must fail: too slow, too deep, too big.
FAILING = [
    "$sum([1..10000000])",
    "$count([1..9999999])",
    "$max([1..9999999])",
    "$average([1..9999999])",
    '$pad("", 1e9)',
    '$pad("x", 200000000)',
    '$join([1..9999999].$string(), ",")',
    "($f := function($n){ $f($n + 1) }; $f(0))",
    "($f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; $f(100000))",
    '$eval("$sum([1..10000000])")',
    '$eval("($f := function($n){ $f($n + 1) }; $f(0))")',
    '{ "a": [1..9999999] }',
    '[1..9999999].{"k": $}',
    "$merge([1..2000000].{$string($): $})",
    "$reduce([1..9999999], function($a, $b){ $a + $b })",
    "[1..5000].([1..5000])",
]


@pytest.mark.parametrize("source", REGEXES)
def test_a_catastrophic_regex_answers_at_once(source):
    started = time.monotonic()
    with contextlib.suppress(ExpressionError):  # refused is as good as answered: it did not run on
        evaluate(source, {})
    assert time.monotonic() - started < LIMIT_S + SLACK_S


@pytest.mark.parametrize("source", FAILING)
def test_a_hostile_expression_fails_within_its_limit(source):
    started = time.monotonic()
    with pytest.raises(ExpressionError) as info:
        evaluate(source, {"trigger": {}}, timeout_ms=int(LIMIT_S * 1000))
    elapsed = time.monotonic() - started
    assert elapsed < LIMIT_S + SLACK_S, f"{source} took {elapsed:.2f} s"
    assert source in str(info.value)
    assert info.value.code in {"timeout", "memory", "limit", "D1011", "D2014", "D3121", "output_too_large"}, info.value.as_dict()
    assert "Error" not in info.value.reason  # JSONata's words, not a Python exception's name


def test_after_hostile_expressions_ordinary_ones_still_answer():
    for source in FAILING[:3]:
        with pytest.raises(ExpressionError):
            evaluate(source, {})
    assert evaluate("$sum(items)", {"items": [1, 2, 3]}) == 6  # isolated: a fresh evaluator
    assert evaluate("trigger.n + 1", {"trigger": {"n": 41}}) == 42  # bounded: here


def test_number_of_text_is_a_jsonata_error_with_its_position():
    with pytest.raises(ExpressionError) as info:
        evaluate('$number("abc")', {})
    assert info.value.code == "D3030"
    assert info.value.reason == "Unable to cast value to a number: abc"
    assert "could not convert" not in str(info.value)


def test_a_syntax_error_keeps_jsonata_code_and_position():
    with pytest.raises(ExpressionError) as info:
        evaluate("trigger.(", {})
    assert info.value.code is not None and info.value.code.startswith("S")
    assert info.value.position is not None


def test_a_regex_re2_cannot_run_is_a_syntax_error_not_a_hang():
    with pytest.raises(ExpressionError) as info:
        evaluate('$match("aa", /(a)\\1/)', {})
    assert "not supported" in info.value.reason
