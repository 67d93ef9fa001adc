"""The example's nodes on a StepContext, as a node author tests theirs: no server, no database."""

import pytest
from stepwise_example_nodes.hashing import Hash, node_types
from stepwise_example_nodes.slugify import Slugify

from catalog.nodes.base import StepContext, StepFailed
from catalog.nodes.plugins import node_type_problems
from catalog.schemas import instance_problems, schema_problems


def run(cls, **config):
    return cls.execute(StepContext(run_id=1, node_id="n", iteration=0, attempt=1, config={**cls.default_config, **config}, data={}))


@pytest.mark.parametrize(
    ("text", "config", "slug"),
    [
        ("Grüße, Welt!", {}, "grusse-welt"),
        ("  Hello   World  ", {"separator": "_"}, "hello_world"),
        ("Ærøskøbing Łódź", {"lowercase": False}, "AEroskobing-Lodz"),
        ("a long title that goes on", {"max_length": 12}, "a-long-title"),
        ("abc def", {"max_length": 4}, "abc"),
    ],
)
def test_slugify(text, config, slug):
    result = run(Slugify, text=text, **config)
    assert result.output == {"slug": slug, "length": len(slug)}
    assert instance_problems(Slugify.output_schema, result.output) == []


def test_a_text_without_letters_fails_for_good():
    with pytest.raises(StepFailed) as failed:
        run(Slugify, text="!!! ???")
    assert failed.value.code == "empty_slug" and failed.value.retryable is False


def test_an_empty_literal_text_is_a_config_problem():
    assert Slugify.check_config({"text": "  "}) == [("/text", "Text is empty: there is nothing to slugify.")]
    assert Slugify.check_config({"text": "{{ trigger.title }}"}) == []


def test_hash():
    assert run(Hash, text="abc").output["digest"] == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert run(Hash, text="abc", encoding="base64").output["digest"] == "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
    output = run(Hash, text="abc", algorithm="blake2b").output
    assert len(output["digest"]) == 128 and instance_problems(Hash.output_schema, output) == []


@pytest.mark.parametrize("cls", [Slugify, *node_types()])
def test_types_pass_the_plugin_checks(cls):
    assert node_type_problems(cls) == []
    assert schema_problems(cls.output_schema) == []
