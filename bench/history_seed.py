"""A run history written by set-based SQL (INSERT ... SELECT generate_series) on PostgreSQL:
bench/history.py seeds a million runs with it, the pruning test 700,000. Rows are what the
engine would leave behind: finished runs with their steps and events, the newest few still
running.

Runs are spread evenly over `span_days` up to `now`, the oldest first (so ids grow with
created_at, as in a real history); each is the next of `workflows` in turn; one in ten
failed, one in fifty cancelled, the rest succeeded, except the `running` newest, which are
running with no finished_at. Triggers cycle through manual, api, webhook and schedule."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

RUNS_SQL = """
INSERT INTO engine_run (owner_id, workflow_id, version_id, graph_hash, status, trigger, input, parent_attempt,
                        depth, tree_runs, limited, last_seq, created_at, started_at, finished_at)
SELECT %(owner)s::bigint, w.workflow, w.version, 'seeded',
       CASE WHEN g > %(total)s::int - %(running)s::int THEN 'running' WHEN g %% 10 = 0 THEN 'failed'
            WHEN g %% 50 = 1 THEN 'cancelled' ELSE 'succeeded' END,
       (ARRAY['manual', 'api', 'webhook', 'schedule'])[1 + g %% 4],
       '{}'::jsonb, 0, 0, 1, false, %(events)s::int, t.at, t.at + interval '1 second',
       CASE WHEN g > %(total)s::int - %(running)s::int THEN NULL ELSE t.at + interval '3 seconds' END
FROM generate_series(%(first)s::int, %(last)s::int) AS g
JOIN unnest(%(workflows)s::bigint[], %(versions)s::bigint[]) WITH ORDINALITY AS w(workflow, version, n)
  ON w.n = 1 + g %% %(count)s::int
CROSS JOIN LATERAL (SELECT %(now)s::timestamptz - (%(total)s::int - g) * %(spacing)s::float8 * interval '1 second' AS at) AS t
ORDER BY g
"""

STEPS_SQL = """
INSERT INTO engine_steprun (run_id, node_id, iteration, status, attempt, output, ports, lease_owner, lease_token,
                            attempts, created_at, updated_at, started_at, finished_at, compensates)
SELECT r.id, 'n' || s, 0, CASE WHEN r.status = 'running' AND s = %(steps)s::int THEN 'running' ELSE 'succeeded' END, 1,
       '{"ok": true}'::jsonb, '["out"]'::jsonb, '', '', '[]'::jsonb, r.created_at, r.created_at,
       r.started_at, CASE WHEN r.status = 'running' AND s = %(steps)s::int THEN NULL ELSE r.started_at END, ''
FROM engine_run r CROSS JOIN generate_series(1, %(steps)s::int) AS s
WHERE r.id > %(after)s::bigint
"""

EVENTS_SQL = """
INSERT INTO engine_runevent (run_id, seq, kind, node_id, status, attempt, data, at)
SELECT r.id, e, CASE WHEN e = 1 OR e = %(events)s::int THEN 'run' ELSE 'step' END,
       CASE WHEN e = 1 OR e = %(events)s::int THEN '' ELSE 'n' || (1 + e %% %(steps)s::int) END,
       CASE WHEN e = 1 THEN 'running' WHEN e = %(events)s::int THEN r.status ELSE 'succeeded' END,
       1, '{}'::jsonb, r.created_at + e * interval '10 milliseconds'
FROM engine_run r CROSS JOIN generate_series(1, %(events)s::int) AS e
WHERE r.id > %(after)s::bigint
"""


def seed_runs(
    cursor: Any,
    *,
    owner: int,
    workflows: Sequence[tuple[int, int]],
    total: int,
    now: datetime,
    span_days: float,
    steps: int,
    events: int,
    running: int = 0,
    chunk: int = 100_000,
    progress: Any = None,
) -> None:
    """Write `total` runs of `owner` over `workflows` ((workflow id, version id) pairs),
    each with `steps` steps and `events` events, in chunks of `chunk` runs."""
    spacing = span_days * 86400 / total
    for first in range(1, total + 1, chunk):
        last = min(total, first + chunk - 1)
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM engine_run")
        after = cursor.fetchone()[0]
        cursor.execute(
            RUNS_SQL,
            {
                "owner": owner,
                "workflows": [w for w, _ in workflows],
                "versions": [v for _, v in workflows],
                "count": len(workflows),
                "total": total,
                "running": running,
                "events": events,
                "first": first,
                "last": last,
                "now": now,
                "spacing": spacing,
            },
        )
        cursor.execute(STEPS_SQL, {"steps": steps, "after": after})
        cursor.execute(EVENTS_SQL, {"steps": steps, "events": events, "after": after})
        if progress is not None:
            progress(last)
