"""A workflow's tags: short lowercase labels for the workflow list, kept as a JSON list on
the workflow. A tag has no quote or backslash, so where the database cannot look inside a
JSON list (SQLite) the filter matches `"tag"` in its text, which is exact."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import QuerySet, TextField
from django.db.models.functions import Cast

if TYPE_CHECKING:
    from designer.models import Workflow

MAX_TAGS = 10
MAX_TAG_CHARS = 32
TAG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9 _.-]*$")
TAG_HELP = f"At most {MAX_TAGS} tags, each 1-{MAX_TAG_CHARS} characters: letters, digits, space, '-', '_', '.' (stored lowercase)."


def tag_normalized(tag: str) -> str:
    return " ".join(tag.split()).lower()


def tag_problem(tag: str) -> str | None:
    """Why a (normalized) tag is refused, or None."""
    if not tag or len(tag) > MAX_TAG_CHARS:
        return f"A tag has 1 to {MAX_TAG_CHARS} characters."
    if not TAG_PATTERN.match(tag):
        return "A tag has letters, digits, spaces, '-', '_' and '.' only, and starts with a letter or digit."
    return None


def tags_unique(tags: list[str]) -> list[str]:
    """In order, without repeats."""
    return list(dict.fromkeys(tags))


def with_tag(workflows: QuerySet[Workflow], tag: str) -> QuerySet[Workflow]:
    """The workflows carrying this tag (normalized first; a tag that cannot exist matches none)."""
    tag = tag_normalized(tag)
    if tag_problem(tag):
        return workflows.none()
    if connection.features.supports_json_field_contains:
        return workflows.filter(tags__contains=[tag])
    return workflows.alias(tags_text=Cast("tags", TextField())).filter(tags_text__contains=f'"{tag}"')
