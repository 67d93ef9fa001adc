"""audit.record keeps what it is given to ids, slugs and numbers: anything else is a
programming error, refused before it is stored."""

from __future__ import annotations

import pytest

from audit.models import Action, AuditEntry, How, TargetType
from audit.services import Origin, Target, record


@pytest.mark.parametrize(
    "details",
    [
        {"config": {"url": "https://example.com"}},
        {"comment": "a sentence with spaces"},
        {"Bad-Key": 1},
        {"values": ["ok", {"nested": 1}]},
        {"long": "x" * 65},
        {f"k{i}": i for i in range(13)},
    ],
)
def test_details_that_are_not_ids_or_names_are_refused(db, details):
    with pytest.raises(ValueError):
        record(action=Action.WORKFLOW_CREATED, origin=Origin(how=How.COMMAND), owner=None, details=details)
    assert AuditEntry.objects.count() == 0


def test_long_names_and_agents_are_cut_to_fit(db):
    origin = Origin(how=How.SESSION, user_agent="A" * 1000, address="2001:db8::1")
    entry = record(action=Action.WORKFLOW_CREATED, origin=origin, owner=None, target=Target(TargetType.WORKFLOW, 1, "n" * 500))
    entry.refresh_from_db()
    assert len(entry.user_agent) == 256 and len(entry.target_name) == 200 and entry.address == "2001:db8::1"
