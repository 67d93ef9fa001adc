"""The template gallery: every shipped template is valid and makes a workflow of the user's."""

from __future__ import annotations

import pytest

from designer import gallery
from designer.models import Workflow

SLUGS = [t.slug for t in gallery.templates()]


def test_the_gallery_lists_at_least_eight_templates(api):
    listed = api.get("/api/templates/")
    assert listed.status_code == 200
    templates = listed.json()
    assert len(templates) >= 8
    for t in templates:
        assert t["name"] and t["description"] and t["category"]
        assert all("position" in n for n in t["graph"]["nodes"])
        assert all("credential" not in (n.get("config") or {}) for n in t["graph"]["nodes"])  # placeholders only
        assert set(t["credentials"]) <= {n["id"] for n in t["graph"]["nodes"]}
    assert len({t["category"] for t in templates}) >= 4


@pytest.mark.parametrize("slug", SLUGS)
def test_every_template_is_valid_and_usable(api, user, slug):
    made = api.post(f"/api/templates/{slug}/use/", {}, format="json")
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["problems"] == [], body["problems"]
    template = gallery.template_get(slug)
    assert body["name"] == template.name and body["latest_version"] == 1
    assert [n["id"] for n in body["graph"]["nodes"]] == [n["id"] for n in template.graph["nodes"]]
    created = Workflow.objects.filter(owner=user)
    assert created.count() == 1 + len(template.subworkflows)
    for helper in created.exclude(pk=body["id"]):  # the helpers it calls are valid too
        assert api.get(f"/api/workflows/{helper.pk}/").json()["problems"] == []
    called = [n["config"]["workflow_id"] for n in body["graph"]["nodes"] if "workflow_id" in n["config"]]
    assert set(called) == set(created.exclude(pk=body["id"]).values_list("pk", flat=True))


def test_a_template_is_made_for_the_caller_only(api, other_api, user, other_user):
    made = api.post("/api/templates/approval-flow/use/", {"name": "My approvals"}, format="json").json()
    assert made["name"] == "My approvals"
    assert other_api.get(f"/api/workflows/{made['id']}/").status_code == 404
    assert not Workflow.objects.filter(owner=other_user).exists()


def test_an_unknown_template_is_404(api):
    response = api.post("/api/templates/no-such-template/use/", {}, format="json")
    assert response.status_code == 404 and response.json()


def test_a_bad_name_is_a_400_naming_the_field(api):
    response = api.post("/api/templates/approval-flow/use/", {"name": "x" * 201}, format="json")
    assert response.status_code == 400 and "name" in response.content.decode()


def test_the_gallery_needs_a_signed_in_user(anon):
    assert anon.get("/api/templates/").status_code in (401, 403)
    assert anon.post("/api/templates/approval-flow/use/", {}, format="json").status_code in (401, 403)


def test_a_name_that_is_not_a_string_is_refused(api):
    """Schemathesis found `{"name": 0}` accepted (DRF's CharField makes it "0")."""
    response = api.post("/api/templates/approval-flow/use/", {"name": 0}, format="json")
    assert response.status_code == 400 and "name" in response.content.decode(), response.content
