import io

from tests.catalog.nodes.plugin_dists import GOOD_MODULE, dists_fixture, fresh_registry_fixture  # noqa: F401 - fixtures


def test_catalog_lists_every_type_with_its_schema(api):
    response = api.get("/api/node-types/")
    assert response.status_code == 200
    catalog = {entry["type"]: entry for entry in response.json()}
    assert len(catalog) == 15
    assert catalog["condition"]["output_ports"] == ["true", "false"]
    assert catalog["switch"]["dynamic_ports"] == {"from": "/cases", "key": "port"}
    assert catalog["trigger.webhook"]["is_trigger"] is True and catalog["trigger.webhook"]["has_input"] is False
    assert catalog["http.request"]["config_schema"]["required"] == ["method", "url"]


def test_single_type_and_unknown_type(api):
    assert api.get("/api/node-types/transform/").json()["category"] == "Data"
    missing = api.get("/api/node-types/teleport/")
    assert missing.status_code == 404 and missing.json()["detail"] == "Unknown node type 'teleport'."


def test_catalog_requires_login(anon):
    assert anon.get("/api/node-types/").status_code == 401


def test_built_in_types_name_stepwise_as_their_package(api):
    from core.version import __version__

    for entry in api.get("/api/node-types/").json():
        assert (entry["package"], entry["version"], entry["builtin"]) == ("stepwise", __version__, True), entry["type"]
        assert entry["output_schema"] is None
    assert api.get("/api/node-plugins/").json() == []


def test_plugin_types_and_broken_plugins_are_listed(api, dists, fresh_registry):
    from django.core.management import call_command

    dists.add("acme-nodes", "2.3.1", {"both": "acme_nodes:both"}, {"acme_nodes": GOOD_MODULE})
    dists.add("broken-nodes", "0.1.0", {"bad": "broken_nodes:Thing"}, {"broken_nodes": "raise ImportError('needs libfoo')\n"})
    fresh_registry()
    catalog = {entry["type"]: entry for entry in api.get("/api/node-types/").json()}
    assert len(catalog) == 17
    upper = catalog["acme.upper"]
    assert (upper["package"], upper["version"], upper["builtin"]) == ("acme-nodes", "2.3.1", False)
    assert upper["output_schema"] == {"type": "object", "properties": {"text": {"type": "string"}}, "additionalProperties": False}
    assert api.get("/api/node-types/acme.lower/").json()["package"] == "acme-nodes"
    assert catalog["noop"]["builtin"] is True
    assert api.get("/api/node-plugins/").json() == [
        {
            "package": "acme-nodes",
            "version": "2.3.1",
            "entry_point": "both = acme_nodes:both",
            "types": ["acme.upper", "acme.lower"],
            "error": None,
        },
        {
            "package": "broken-nodes",
            "version": "0.1.0",
            "entry_point": "bad = broken_nodes:Thing",
            "types": [],
            "error": "ImportError: needs libfoo",
        },
    ]
    out = io.StringIO()
    call_command("check", stdout=out, stderr=out)
    assert (
        "stepwise.W001" in out.getvalue()
        and "Node plugin broken-nodes 0.1.0 (entry point 'bad = broken_nodes:Thing') was skipped" in out.getvalue()
    )


def test_plugins_require_login(anon):
    assert anon.get("/api/node-plugins/").status_code == 401
