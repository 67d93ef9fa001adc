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
