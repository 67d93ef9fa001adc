"""/metrics after a run in the embedded mode: the run, step, retry, duration and queue-wait
series with their labels and exact counts; the token guard; HTTP metrics by route template."""

from __future__ import annotations

import pytest

from tests.engine.harness import run_golden
from tests.factories import make_user
from tests.monitoring.scrape import delta, parse, value

TOKEN = "scrape-me-7f3a"


@pytest.fixture
def scrape(client, settings):
    settings.METRICS_TOKEN = TOKEN

    def read():
        response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert response.status_code == 200, response.content
        assert response["Content-Type"].startswith("text/plain")
        return parse(response.content.decode())

    return read


def test_a_run_is_counted_by_trigger_status_node_type_and_outcome(embedded, ledger, scrape):
    before = scrape()
    run = run_golden("retry_then_success", make_user(), ledger.base)
    assert run.status == "succeeded"
    after = scrape()

    assert delta(after, before, "stepwise_runs_started_total", trigger="manual") == 1
    assert delta(after, before, "stepwise_runs_finished_total", status="succeeded", trigger="manual") == 1
    # charge (http.request) failed twice and was queued again, then succeeded; after
    # (transform, pure) ran inline in the same commit. The trigger's step is not executed.
    assert delta(after, before, "stepwise_step_retries_total", node_type="http.request") == 2
    assert delta(after, before, "stepwise_steps_finished_total", node_type="http.request", outcome="succeeded") == 1
    assert delta(after, before, "stepwise_steps_finished_total", node_type="http.request", outcome="failed") == 0
    assert delta(after, before, "stepwise_steps_finished_total", node_type="transform", outcome="succeeded") == 1
    assert delta(after, before, "stepwise_steps_finished_total", node_type="trigger.manual", outcome="succeeded") == 0
    assert delta(after, before, "stepwise_step_duration_seconds_count", node_type="http.request") == 1
    assert delta(after, before, "stepwise_step_duration_seconds_count", node_type="transform") == 1
    # The duration's sum is the attempt's time: positive, and within what the test took.
    assert 0 < delta(after, before, "stepwise_step_duration_seconds_sum", node_type="http.request") < 20
    # Three claims of charge, one per attempt (the first after the run's start, then after each backoff).
    assert delta(after, before, "stepwise_step_queue_wait_seconds_count") == 3
    # Buckets are cumulative: the +Inf bucket holds every observation.
    assert delta(after, before, "stepwise_step_duration_seconds_bucket", node_type="http.request", le="+Inf") == 1


def test_a_failed_run_counts_failed(embedded, ledger, scrape):
    before = scrape()
    run = run_golden("unhandled_failure", make_user(), ledger.base)
    after = scrape()
    assert delta(after, before, "stepwise_runs_finished_total", status=run.status, trigger="manual") == 1
    failed = {key: v for key, v in after.items() if key[0] == "stepwise_steps_finished_total" and ("outcome", "failed") in key[1]}
    assert (
        sum(failed.values())
        - sum(v for key, v in before.items() if key[0] == "stepwise_steps_finished_total" and ("outcome", "failed") in key[1])
        == 1
    )


@pytest.mark.django_db
def test_without_a_token_set_the_path_does_not_exist(client, settings):
    settings.METRICS_TOKEN = None
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer anything")
    assert response.status_code == 404
    assert response.json()["detail"] == "Not found."


@pytest.mark.django_db
@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Basic {TOKEN}", "Bearer", f"Bearer {TOKEN}x"])
def test_a_missing_or_wrong_token_is_a_401(client, settings, header):
    settings.METRICS_TOKEN = TOKEN
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    response = client.get("/metrics", **extra)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "stepwise_" not in response.content.decode()


@pytest.mark.django_db
def test_only_get_is_served(client, settings):
    settings.METRICS_TOKEN = TOKEN
    assert client.post("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 405


@pytest.mark.django_db
def test_http_requests_are_labelled_by_route_template_never_the_raw_path(client, scrape):
    user = make_user()
    client.force_login(user)
    before = scrape()
    assert client.get("/api/runs/987654/").status_code == 404
    assert client.get("/api/runs/987655/").status_code == 404
    assert client.get("/no/such/page/123").status_code == 404
    client.get("/static/no-such-file-42.js")
    after = scrape()
    route = "/api/runs/<int:run_id>/"
    assert delta(after, before, "stepwise_http_requests_total", method="GET", route=route, status="404") == 2
    assert delta(after, before, "stepwise_http_request_duration_seconds_count", method="GET", route=route) == 2
    assert delta(after, before, "stepwise_http_requests_total", method="GET", route="unmatched", status="404") == 1
    assert sum(delta(after, before, "stepwise_http_requests_total", method="GET", route="static", status=s) for s in ("200", "404")) == 1
    assert not [key for key in after if any(raw in v for raw in ("987654", "/no/such", "no-such-file") for _, v in key[1])]
    # The scrapes themselves are counted under their route.
    assert value(after, "stepwise_http_requests_total", method="GET", route="/metrics", status="200") >= 1
