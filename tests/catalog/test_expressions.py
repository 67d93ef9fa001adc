import pytest

from catalog.expressions import (
    ExpressionSyntaxError,
    compile_expression,
    find_expressions,
    iter_strings,
    unclosed_template,
    whole_expression,
)


def test_find_and_whole():
    assert find_expressions("Hi {{ trigger.name }}, you owe {{ $sum(items.price) }}") == ["trigger.name", "$sum(items.price)"]
    assert whole_expression("  {{ steps.a.output }} ") == "steps.a.output"
    assert whole_expression("x {{ a }}") is None
    assert whole_expression("{{ a }} {{ b }}") is None
    assert unclosed_template("{{ a ") and not unclosed_template("{{ a }}")


def test_compile_is_cached_per_source():
    assert compile_expression("a.b") is compile_expression("a.b")


def test_compile_reports_syntax_errors():
    with pytest.raises(ExpressionSyntaxError) as info:
        compile_expression("a.(")
    assert "a.(" in str(info.value)
    with pytest.raises(ExpressionSyntaxError, match="Empty"):
        compile_expression("   ")


def test_compiled_expression_evaluates():
    assert compile_expression("$sum(items.price)").evaluate({"items": [{"price": 2}, {"price": 3}]}) == 5


def test_iter_strings_gives_json_pointers():
    assert list(iter_strings({"a/b": ["x", {"~k": "y"}]})) == [("/a~1b/0", "x"), ("/a~1b/1/~0k", "y")]


def test_only_a_plain_path_into_vars_trigger_or_run_reads_no_step():
    from catalog.expressions import reads_steps

    for own in ("vars.base", " trigger.items[0].id ", "run.id", "trigger"):
        assert not reads_steps(own), own
    for other in ("steps.a.output", "$", "$string()", "vars.*", "**.x", "$lookup($, 'steps')", "vars.a & steps.b", "`vars`.x"):
        assert reads_steps(other), other
