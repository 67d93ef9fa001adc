import pytest
from django.db import DatabaseError, IntegrityError, transaction

from designer import services
from designer.errors import GraphInvalid, GraphTooLarge, GraphUnloadable, VersionConflict
from designer.models import VersionImmutable, WorkflowVersion
from engine.triggers.activation import workflow_activate
from tests.factories import make_workflow, valid_graph


def test_create_with_graph_makes_version_one(user):
    workflow, problems = services.workflow_create(owner=user, name="Onboarding", graph=valid_graph(), message="first")
    assert problems == []
    assert list(workflow.versions.values_list("number", "message")) == [(1, "first")]


def test_create_empty_makes_no_version(user):
    workflow, problems = services.workflow_create(owner=user, name="Empty")
    assert workflow.versions.count() == 0
    assert [p.code for p in problems] == ["no_trigger"]


def test_saving_a_changed_graph_makes_a_version_and_the_same_graph_does_not(user):
    workflow = make_workflow(user)
    graph = valid_graph()
    services.workflow_update(workflow=workflow, actor=user, graph=graph)
    assert workflow.versions.count() == 1  # same graph: no new version
    # Same graph with keys in another order is still the same graph.
    reordered = {"edges": graph["edges"], "nodes": [dict(reversed(list(n.items()))) for n in graph["nodes"]]}
    services.workflow_update(workflow=workflow, actor=user, graph=reordered)
    assert workflow.versions.count() == 1
    graph["nodes"][1]["config"]["timeout_s"] = 5
    services.workflow_update(workflow=workflow, actor=user, graph=graph, message="shorter timeout")
    assert list(workflow.versions.order_by("number").values_list("number", "message")) == [(1, "Created"), (2, "shorter timeout")]
    # Renaming does not touch the graph, so no version.
    services.workflow_update(workflow=workflow, actor=user, name="Renamed")
    assert workflow.versions.count() == 2


def test_invalid_draft_is_saved_with_problems_but_cannot_be_activated(user):
    workflow = make_workflow(user)
    graph = valid_graph()
    graph["edges"].append({"id": "e_bad", "source": "greet", "target": "nowhere"})
    saved, problems = services.workflow_update(workflow=workflow, actor=user, graph=graph)
    assert [p.edge_id for p in problems] == ["e_bad"]
    assert saved.graph == graph and saved.versions.count() == 2
    with pytest.raises(GraphInvalid) as info:
        workflow_activate(workflow=saved, actor=user)
    assert [p.edge_id for p in info.value.problems] == ["e_bad"]
    saved.refresh_from_db()
    assert saved.active is False and saved.active_version is None


def test_unloadable_and_oversized_graphs_are_refused(user, settings):
    with pytest.raises(GraphUnloadable):
        services.workflow_create(owner=user, name="x", graph={"nodes": "no"})
    settings.STEPWISE_MAX_NODES = 3
    with pytest.raises(GraphTooLarge) as info:
        services.workflow_create(owner=user, name="x", graph=valid_graph())
    assert [p.code for p in info.value.problems] == ["too_many_nodes"]


def test_base_version_detects_a_concurrent_save(user):
    workflow = make_workflow(user)
    graph = valid_graph()
    graph["nodes"][0]["name"] = "Go"
    services.workflow_update(workflow=workflow, actor=user, graph=graph, base_version=1)
    graph["nodes"][0]["name"] = "Stale"
    with pytest.raises(VersionConflict, match="saved as version 2 since you loaded version 1"):
        services.workflow_update(workflow=workflow, actor=user, graph=graph, base_version=1)


def test_restore_makes_the_old_graph_the_draft_as_a_new_version(user):
    workflow = make_workflow(user)
    original = valid_graph()
    changed = valid_graph()
    changed["nodes"][3]["config"]["expression"] = "'changed'"
    services.workflow_update(workflow=workflow, actor=user, graph=changed)
    restored, _ = services.workflow_restore_version(workflow=workflow, number=1, actor=user)
    assert restored.graph == original
    assert list(restored.versions.order_by("number").values_list("number", "message")) == [
        (1, "Created"),
        (2, ""),
        (3, "Restored version 1"),
    ]


def test_versions_cannot_change_through_the_model(user):
    version = make_workflow(user).versions.get()
    version.message = "rewritten"
    with pytest.raises(VersionImmutable):
        version.save()
    with pytest.raises(VersionImmutable):
        version.delete()


def test_versions_cannot_change_even_through_raw_updates(user):
    """The database trigger refuses what bypasses the model (queryset.update, raw SQL)."""
    version = make_workflow(user).versions.get()
    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic():
        WorkflowVersion.objects.filter(pk=version.pk).update(graph={"nodes": [], "edges": []})
    version.refresh_from_db()
    assert version.graph == valid_graph()


def test_export_then_import_round_trips(user, other_user):
    workflow = make_workflow(user, name="Billing")
    exported = services.workflow_export(workflow=workflow)
    assert exported["format"] == "stepwise.workflow" and exported["version"] == 1
    imported, problems = services.workflow_import(owner=other_user, data=exported)
    assert imported.owner == other_user and imported.graph == workflow.graph and imported.name == "Billing"
    assert problems == []
    assert imported.versions.get().message == "Imported (exported from version 1)"


@pytest.mark.parametrize("changes", [{"graph": "valid"}, {"graph": "invalid"}, {"name": "Renamed"}], ids=["valid", "invalid", "no-graph"])
def test_a_save_validates_the_graph_once(user, monkeypatch, changes):
    """One validation per save, whether a graph is given (checked as storable, its problems
    returned) or not (the stored draft's problems returned)."""
    workflow = make_workflow(user)
    graph = valid_graph()
    if changes.get("graph") == "invalid":
        graph["nodes"][1]["type"] = "no.such.type"
    if "graph" in changes:
        changes = {"graph": graph}
    calls = []
    real = services.validate_graph
    monkeypatch.setattr(services, "validate_graph", lambda *args, **kwargs: calls.append(1) or real(*args, **kwargs))
    _, problems = services.workflow_update(workflow=workflow, actor=user, **changes)
    assert len(calls) == 1
    assert bool(problems) is (changes.get("graph") is graph and graph["nodes"][1]["type"] == "no.such.type")
    assert problems == services.graph_validate(graph=graph if "graph" in changes else workflow.graph, user=user)
