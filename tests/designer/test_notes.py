"""Sticky notes: a `notes` list beside `nodes` and `edges` that the editor draws; the server
checks their shape, keeps them through saves, versions, export and import, and refuses a
draft with a bad one (400, the field named)."""

import pytest

from designer.validation import is_loadable
from tests.designer.validation.helpers import problems_of
from tests.factories import valid_graph


def note(**extra):
    text = "# Why\n**Fetch** the user first."
    return {"id": "n1", "text": text, "position": {"x": 10, "y": -20}, "width": 240, "height": 120, "color": "yellow"} | extra


def with_notes(*notes):
    return valid_graph() | {"notes": list(notes)}


def test_a_graph_with_notes_is_valid():
    assert problems_of(with_notes(note(), note(id="n2", color="blue"))) == []
    assert problems_of(with_notes()) == []


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"color": "chartreuse"}, "/notes/0/color"),
        ({"text": 5}, "/notes/0/text"),
        ({"text": "x" * 10_001}, "/notes/0/text"),
        ({"width": 10}, "/notes/0/width"),
        ({"height": "tall"}, "/notes/0/height"),
        ({"position": {"x": 1}}, "/notes/0/position/y"),
        ({"html": "<b>"}, "/notes/0/html"),
    ],
)
def test_a_bad_note_names_its_field(bad, field):
    graph = with_notes(note(**bad))
    found = problems_of(graph)
    assert [(p["code"], p["field"]) for p in found] == [("invalid_note", field)], found
    assert not is_loadable(graph)


def test_notes_must_be_a_list_of_objects_with_distinct_ids():
    assert [(p["code"], p["field"]) for p in problems_of(valid_graph() | {"notes": {}})] == [("invalid_note", "/notes")]
    assert [(p["code"], p["field"]) for p in problems_of(with_notes("text"))] == [("invalid_note", "/notes/0")]
    dup = problems_of(with_notes(note(), note()))
    assert [(p["code"], p["field"]) for p in dup] == [("invalid_note", "/notes/1/id")]


def test_notes_round_trip_through_save_versions_export_and_import(api, workflow):
    graph = with_notes(note(), note(id="n2", text="- a\n- b", color="green"))
    saved = api.patch(f"/api/workflows/{workflow.pk}/", {"graph": graph}, format="json")
    assert saved.status_code == 200, saved.json()
    assert saved.json()["graph"]["notes"] == graph["notes"] and saved.json()["problems"] == []
    assert api.get(f"/api/workflows/{workflow.pk}/").json()["graph"]["notes"] == graph["notes"]
    version = saved.json()["latest_version"]
    assert api.get(f"/api/workflows/{workflow.pk}/versions/{version}/").json()["graph"]["notes"] == graph["notes"]

    exported = api.get(f"/api/workflows/{workflow.pk}/export/").json()
    assert exported["graph"]["notes"] == graph["notes"]
    imported = api.post("/api/workflows/import/", exported, format="json")
    assert imported.status_code == 201 and imported.json()["graph"]["notes"] == graph["notes"]


def test_a_draft_with_a_bad_note_is_refused_with_the_field(api, workflow):
    response = api.patch(f"/api/workflows/{workflow.pk}/", {"graph": with_notes(note(color="red"))}, format="json")
    assert response.status_code == 400
    problems = response.json()["problems"]
    assert [(p["code"], p["field"]) for p in problems] == [("invalid_note", "/notes/0/color")]
    assert "notes" not in api.get(f"/api/workflows/{workflow.pk}/").json()["graph"]


def test_good_notes_leave_a_graph_valid(api, workflow):
    response = api.post(f"/api/workflows/{workflow.pk}/validate/", {"graph": with_notes(note())}, format="json")
    assert response.status_code == 200 and response.json()["valid"] is True
