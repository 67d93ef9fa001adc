"""No IDOR: every route that takes an object id, every method, as another user -> 404.

The test fails when a route with a parameter is added without an entry here, so a new
endpoint cannot skip the ownership check unnoticed."""

import json

import pytest

from tests.factories import make_workflow, valid_graph
from tests.urlwalk import all_routes, allowed_methods, fill

# Route name -> the values of its parameters for the victim's objects.
OWNED_ROUTES = {
    "workflow-detail": lambda wf, run: {"pk": str(wf.pk)},
    "workflow-validate": lambda wf, run: {"pk": str(wf.pk)},
    "workflow-export": lambda wf, run: {"pk": str(wf.pk)},
    "workflow-duplicate": lambda wf, run: {"pk": str(wf.pk)},
    "workflow-versions": lambda wf, run: {"workflow_id": str(wf.pk)},
    "workflow-version-detail": lambda wf, run: {"workflow_id": str(wf.pk), "number": "1"},
    "workflow-version-restore": lambda wf, run: {"workflow_id": str(wf.pk), "number": "1"},
    "workflow-runs": lambda wf, run: {"workflow_id": str(wf.pk)},
    "workflow-preview": lambda wf, run: {"workflow_id": str(wf.pk)},
    "workflow-node-test": lambda wf, run: {"workflow_id": str(wf.pk), "node_id": "review"},
    "workflow-tests": lambda wf, run: {"workflow_id": str(wf.pk)},
    "workflow-activate": lambda wf, run: {"workflow_id": str(wf.pk)},
    "workflow-deactivate": lambda wf, run: {"workflow_id": str(wf.pk)},
    "workflow-triggers": lambda wf, run: {"workflow_id": str(wf.pk)},
    "workflow-trigger-secret": lambda wf, run: {"workflow_id": str(wf.pk), "node_id": "start"},
    "run-detail": lambda wf, run: {"run_id": str(run.pk)},
    "run-events": lambda wf, run: {"run_id": str(run.pk)},
    "run-cancel": lambda wf, run: {"run_id": str(run.pk)},
    "run-retry": lambda wf, run: {"run_id": str(run.pk)},
    "run-rerun": lambda wf, run: {"run_id": str(run.pk)},
    "run-step-approve": lambda wf, run: {"run_id": str(run.pk), "node_id": "review"},
    "run-step-reject": lambda wf, run: {"run_id": str(run.pk), "node_id": "review"},
    "run-step-mark-done": lambda wf, run: {"run_id": str(run.pk), "node_id": "review"},
    "run-step-retry": lambda wf, run: {"run_id": str(run.pk), "node_id": "review"},
    "run-step-fix": lambda wf, run: {"run_id": str(run.pk), "node_id": "review"},
    "credential-detail": lambda wf, run: {"pk": str(_victim_credential(wf.owner).pk)},
    "credential-test": lambda wf, run: {"pk": str(_victim_credential(wf.owner).pk)},
    "token-detail": lambda wf, run: {"token_id": str(_victims_token(wf.owner))},
}


def _victim_credential(owner):
    from credentials.models import Credential
    from credentials.services import credential_create

    found = Credential.objects.filter(owner=owner).first()
    return found or credential_create(owner=owner, name="Payroll API", type="http.bearer", data={"token": "victim-token-1"})


# Routes whose parameter is not an owned object, and why.
NOT_OWNED = {
    "node-type-detail": "the node catalog is the same for everyone",
    "setup": "one-time first-account link (a secret token, not an object id)",
    "password_reset_confirm": "a password reset link: the user's id with a signed one-time token that Django checks",
    "template-use": "a template of the shipped gallery, the same for everyone (it makes a workflow of the caller's)",
    "hook": "a webhook URL: the random token and the request's signature are its authentication (tests/engine/triggers)",
}
APPROVAL_GRAPH = {
    "nodes": [
        {"id": "start", "type": "trigger.manual", "config": {}},
        {"id": "review", "type": "approval", "config": {"message": "Pay?"}},
    ],
    "edges": [{"id": "e1", "source": "start", "target": "review"}],
}


def _victims_token(owner) -> int:
    from accounts.tokens import token_create

    return token_create(owner=owner, name="victim's").token.pk


BODIES = {"PUT": {"name": "pwned"}, "PATCH": {"name": "pwned", "graph": {"nodes": [], "edges": []}}, "POST": {}}


def _routes_with_params():
    return {r.name: r for r in all_routes() if r.params and not r.route.startswith("admin/")}


def test_every_route_with_an_id_is_listed():
    unlisted = set(_routes_with_params()) - set(OWNED_ROUTES) - set(NOT_OWNED)
    assert not unlisted, f"Add these routes to OWNED_ROUTES (or NOT_OWNED with a reason): {sorted(unlisted)}"


def test_another_users_objects_are_404_on_every_route_and_method(user, other_api):
    from engine.orchestration.runs import run_start
    from engine.store.models import Run

    victim = make_workflow(user, name="Payroll", graph=APPROVAL_GRAPH)
    victim_run = run_start(workflow=victim, user=user, payload={"amount": 5})
    events_before = victim_run.events.count()
    routes = _routes_with_params()
    tried = 0
    for name, values in OWNED_ROUTES.items():
        route = routes[name]
        path = fill(route.route, values(victim, victim_run))
        for method in allowed_methods(route):
            response = other_api.generic(method, path, json.dumps(BODIES.get(method, {})), content_type="application/json")
            assert response.status_code == 404, (method, path, response.status_code, response.content[:200])
            assert response["Content-Type"] == "application/json" and response.content, (method, path, response.content[:300])
            assert response.json() == {"detail": response.json()["detail"], "problems": []}
            tried += 1
    assert tried >= 10
    victim.refresh_from_db()
    assert victim.name == "Payroll" and victim.graph == APPROVAL_GRAPH and victim.versions.count() == 1
    assert victim.active is False
    assert user.workflows.count() == 1  # no duplicate made for the attacker either
    assert Run.objects.count() == 1 and victim_run.events.count() == events_before  # no run started, cancelled or rerun
    assert not victim.step_tests.exists()  # no step of theirs tested
    assert [c.name for c in user.credentials.all()] == ["Payroll API"]  # not renamed, not deleted
    assert not user.api_tokens.exclude(revoked_at=None).exists()  # no token revoked


def test_the_404_says_the_same_as_for_a_missing_object(user, other_api):
    victim = make_workflow(user)
    theirs = other_api.get(f"/api/workflows/{victim.pk}/")
    missing = other_api.get("/api/workflows/987654/")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()


@pytest.mark.parametrize("endpoint", ["create", "validate", "import"])
def test_another_users_workflow_id_inside_a_body_is_not_found(user, other_user, other_api, endpoint):
    victim = make_workflow(user)
    graph = valid_graph()
    graph["nodes"].append({"id": "steal", "type": "workflow.call", "config": {"workflow_id": victim.pk}})
    graph["edges"].append({"id": "e_steal", "source": "greet", "target": "steal"})
    if endpoint == "create":
        response = other_api.post("/api/workflows/", {"name": "x", "graph": graph}, format="json")
    elif endpoint == "import":
        response = other_api.post("/api/workflows/import/", {"graph": graph}, format="json")
    else:
        mine = make_workflow(other_user)
        response = other_api.post(f"/api/workflows/{mine.pk}/validate/", {"graph": graph}, format="json")
    problems = [p for p in response.json()["problems"] if p["node_id"] == "steal"]
    assert problems == [
        {
            "code": "unknown_workflow",
            "message": f"Workflow {victim.pk} was not found.",
            "node_id": "steal",
            "edge_id": None,
            "field": "/config/workflow_id",
        }
    ]
