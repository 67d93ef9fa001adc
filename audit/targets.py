"""Which targets still exist, so the log links only to those. Audit imports no app above
core: the apps that own the targets register a lookup here when they start (designer for
workflows, the engine for runs)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from audit.models import TargetType

# (owner id, ids) -> the ids of those that exist and belong to that owner.
Lookup = Callable[[int, list[int]], Iterable[int]]
_lookups: dict[TargetType, Lookup] = {}


def register(target_type: TargetType, lookup: Lookup) -> None:
    _lookups[target_type] = lookup


def existing(owner_id: int, wanted: dict[TargetType, set[str]]) -> dict[TargetType, set[str]]:
    """Of the wanted ids by type, those that exist (one query per type); a type nothing
    registered for, or an id that is not a number, is not linked."""
    found: dict[TargetType, set[str]] = {}
    for target_type, ids in wanted.items():
        lookup = _lookups.get(target_type)
        numbers = sorted({int(i) for i in ids if i.isdigit() and len(i) < 19})
        if lookup is None or not numbers:
            continue
        found[target_type] = {str(i) for i in lookup(owner_id, numbers)}
    return found
