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


def test_every_type_has_an_interface_with_its_fields():
    for name, fields in m.SERVER_FIELDS.items():
        interface = re.search(rf"export interface \w+Message \{{\n  type: '{name}'\n(.*?)\n\}}", TS, re.S)
        assert interface, name
        declared = ("type", *re.findall(r"^  (\w+)[?]?:", interface.group(1), re.M))
        assert declared == fields, (name, declared)
