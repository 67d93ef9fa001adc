"""The websocket message types are defined once on each side (engine/live/messages.py,
frontend/src/realtime/messages.ts); this checks that the two definitions agree."""

import json
import re
from pathlib import Path

from engine.live import messages as m

TS = (Path(__file__).resolve().parents[3] / "frontend" / "src" / "realtime" / "messages.ts").read_text()


def _ts_fields(const: str) -> dict[str, tuple[str, ...]]:
    body = re.search(rf"export const {const} = \{{(.*?)\n\}} as const", TS, re.S).group(1)
    return {name: tuple(json.loads(fields.replace("'", '"'))) for name, fields in re.findall(r"(\w+): (\[.*?\])", body)}


def test_server_and_client_message_fields_agree():
    assert _ts_fields("SERVER_FIELDS") == m.SERVER_FIELDS
    assert _ts_fields("CLIENT_FIELDS") == m.CLIENT_FIELDS


def test_close_codes_agree():
    assert int(re.search(r"CLOSE_UNAUTHENTICATED = (\d+)", TS).group(1)) == m.CLOSE_UNAUTHENTICATED
    assert int(re.search(r"CLOSE_NOT_FOUND = (\d+)", TS).group(1)) == m.CLOSE_NOT_FOUND
    assert int(re.search(r"CLOSE_TOO_SLOW = (\d+)", TS).group(1)) == m.CLOSE_TOO_SLOW


def test_every_type_has_an_interface_with_its_fields():
    for name, fields in m.SERVER_FIELDS.items():
        interface = re.search(rf"export interface \w+Message \{{\n  type: '{name}'\n(.*?)\n\}}", TS, re.S)
        assert interface, name
        declared = ("type", *re.findall(r"^  (\w+)[?]?:", interface.group(1), re.M))
        assert declared == fields, (name, declared)


def test_a_snapshot_too_big_for_a_frame_is_cut_into_parts_that_fit():
    frame_bytes = 4096
    run = {"status": "succeeded", "steps": [{"node_id": "a", "output": '"\\\n\x01é😀' * 2000}]}  # what escaping grows most
    frames = list(m.snapshot_frames(7, 12, run, frame_bytes))
    assert len(frames) > 1 and all(len(json.dumps(f)) <= frame_bytes for f in frames)
    assert all(set(f) == set(m.SERVER_FIELDS[m.SNAPSHOT_PART]) and f["seq"] == 12 for f in frames)
    assert [f["part"] for f in frames] == list(range(len(frames))) and {f["parts"] for f in frames} == {len(frames)}
    assert json.loads("".join(f["data"] for f in frames)) == run
    small = list(m.snapshot_frames(7, 12, {"status": "running", "steps": []}, frame_bytes))
    assert small == [{"type": m.SNAPSHOT, "run_id": 7, "seq": 12, "run": {"status": "running", "steps": []}}]
