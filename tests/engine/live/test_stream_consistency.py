"""Stream consistency (docs/architecture.md#replay): for every golden workflow, the frames a client
receives on ws/runs/<id>/ are applied with the canvas's own reducer
(frontend/src/realtime/reducer.ts, run by vitest) and must equal the run as
GET /api/runs/{id}/ returns it."""

import json
import re
import subprocess
from pathlib import Path

from channels.testing import WebsocketCommunicator
from rest_framework.test import APIClient

from tests.engine.harness import golden_names, load_golden, run_golden, start_golden, wait_for
from tests.engine.live.conftest import session_headers
from tests.engine.live.test_consumers import _frames_until_done
from tests.factories import make_user

FRONTEND = Path(__file__).resolve().parents[3] / "frontend"


def test_streamed_state_equals_the_api_for_every_golden(embedded, ledger, ws_app, run_async, tmp_path):
    user = make_user()
    headers = session_headers(user)
    api = APIClient()
    api.force_login(user)
    cases = []
    for name in golden_names():
        # One that needs a person mid-run is done first, then streamed from the log.
        run = run_golden(name, user, ledger.base) if load_golden(name).get("actions") else start_golden(name, user, ledger.base)

        async def record(run_id=run.pk):
            communicator = WebsocketCommunicator(ws_app, f"/ws/runs/{run_id}/?after=0", headers=headers)
            assert (await communicator.connect(timeout=5))[0]
            frames = await _frames_until_done(communicator, run_id, timeout=30)
            await communicator.disconnect()
            return frames

        frames = run_async(record())
        wait_for(run)
        cases.append({"name": name, "frames": frames, "api": api.get(f"/api/runs/{run.pk}/").json()})
    path = tmp_path / "cases.json"
    path.write_text(json.dumps(cases))
    result = subprocess.run(
        ["npx", "vitest", "run", "src/realtime/consistency.test.ts"],
        cwd=FRONTEND,
        env={**__import__("os").environ, "STREAM_CASES": str(path), "NO_COLOR": "1", "CI": "true"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    passed = re.search(r"Tests\s+(\d+) passed", output)
    assert passed and int(passed.group(1)) == len(cases), output  # every case checked, none skipped
