"""API plumbing shared by every app: pagination and a JSON parser that refuses what the
database or the validators cannot take (NUL characters, lone surrogates, deep nesting)."""

from __future__ import annotations

import codecs
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cached_property
from typing import IO, TYPE_CHECKING, Any

import django_filters
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Paginator as DjangoPaginator
from rest_framework import serializers
from rest_framework.exceptions import NotAuthenticated, ParseError, ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser, get_encoding  # type: ignore[attr-defined]  # newer than the stubs
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.json import strict_constant

from core.json_values import finite_float

if TYPE_CHECKING:
    from django.contrib.auth.models import User

MAX_BODY_DEPTH = 100


def signed_in_user(request: Request) -> User:
    """The user of an API request. Every API view requires one (IsAuthenticated, the default
    permission, runs before the handler): an anonymous user here is refused the same way."""
    user = request.user
    if isinstance(user, AnonymousUser):
        raise NotAuthenticated()
    return user


def query_int(request: Request, name: str, *, default: int, low: int, high: int) -> int:
    """A whole number from the query string, or a 400 naming the parameter (never silently
    the default)."""
    raw = request.query_params.getlist(name)
    if not raw:
        return default
    if len(raw) > 1 or not raw[0].isdigit() or not low <= int(raw[0]) <= high:
        raise ValidationError({name: [f"Give a whole number from {low} to {high}."]})
    return int(raw[0])


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request: Request) -> int:
        """Like DRF's, but a page_size that is not a whole number from 1 to 200 is a 400
        instead of being silently replaced by the default."""
        return query_int(request, self.page_size_query_param, default=self.page_size, low=1, high=self.max_page_size)


class TieBrokenOrderingFilter(OrderingFilter):
    """The order asked (or the view's), then the id in the same direction: rows that tie
    (the same created_at) keep one order, so pages never overlap or skip one."""

    def get_ordering(self, request: Request, queryset: Any, view: Any) -> list[str]:
        ordering = list(super().get_ordering(request, queryset, view) or [])
        if ordering and not any(field.lstrip("-") in ("id", "pk") for field in ordering):
            ordering.append("-id" if ordering[0].startswith("-") else "id")
        return ordering


class CappedCountPaginator(DjangoPaginator[Any]):
    """Counts at most `limit` rows: over a long history a full COUNT(*) would cost more than
    the page itself (a million runs: a scan of the whole index, 400 ms)."""

    def __init__(self, object_list: Any, per_page: int, *, limit: int) -> None:
        super().__init__(object_list, per_page)
        self.limit = limit

    @cached_property
    def count(self) -> int:
        rows: Any = self.object_list  # a queryset: the run list's
        return int(rows.values("pk")[: self.limit].count())

    def page(self, number: Any) -> Any:
        """The page's ids first, from the index alone (an OFFSET of 25,000 rows joined to
        their workflow, version and parent step took 600 ms), then those rows."""
        number = self.validate_number(number)
        rows: Any = self.object_list
        bottom = (number - 1) * self.per_page
        ids = list(rows.values_list("pk", flat=True)[bottom : bottom + self.per_page])
        found = {row.pk: row for row in rows.filter(pk__in=ids)}
        return self._get_page([found[i] for i in ids if i in found], number, self)  # type: ignore[attr-defined]


class CappedCountPagination(Pagination):
    """Page numbers, with a count that is exact up to `count_cap` results (1,000) (or to the page
    asked, if further) and past it a lower bound: `count_capped` true says there are more
    than `count`. Pages further on are still served (the Older link stays)."""

    count_cap = 1000

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any] | None:
        raw = request.query_params.get(self.page_query_param, "1")
        number = min(int(raw), 10**6) if raw.isdigit() else 1  # anything else: DRF's 404 below
        limit = max(self.count_cap, number * self.get_page_size(request)) + 1
        self.limit = limit
        self.django_paginator_class = lambda rows, size: CappedCountPaginator(rows, size, limit=limit)  # type: ignore[assignment]
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        assert self.page is not None, "paginate_queryset ran"
        capped = self.page.paginator.count >= self.limit
        if capped:
            response.data["count"] = self.limit - 1
        response.data = {"count": response.data["count"], "count_capped": capped, **response.data}
        return response

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paged: dict[str, Any] = super().get_paginated_response_schema(schema)
        paged["required"] = [*paged.get("required", []), "count_capped"]
        paged["properties"] = {
            "count": {**paged["properties"]["count"], "description": "How many results, or (count_capped) a lower bound."},
            "count_capped": {"type": "boolean", "description": "true: there are more than `count` results (not counted further)."},
            **{k: v for k, v in paged["properties"].items() if k != "count"},
        }
        return paged


def check_json_value(value: Any, *, max_depth: int = MAX_BODY_DEPTH) -> None:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > max_depth:
            raise ParseError(f"JSON is nested more than {max_depth} levels deep.")
        if isinstance(item, str):
            _check_text(item)
        elif isinstance(item, dict):
            for key, child in item.items():
                _check_text(key)
                stack.append((child, depth + 1))
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)


def _check_text(text: str) -> None:
    if "\x00" in text:
        raise ParseError("JSON strings must not contain the NUL character (\\u0000).")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ParseError("JSON strings must be valid Unicode (no lone surrogate escapes).") from None


class StrictBooleanField(serializers.BooleanField):
    """JSON true or false only: DRF's BooleanField also takes 0, 1.0 and "yes"."""

    def to_internal_value(self, data: Any) -> bool:
        if isinstance(data, bool):
            return data
        self.fail("invalid", input=data)
        raise AssertionError  # unreachable: fail() raises


class StrictCharField(serializers.CharField):
    """A JSON string only: DRF's CharField also takes 0 and 1.5 and makes them "0" and "1.5"."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            raise serializers.ValidationError("Not a string.")
        return str(super().to_internal_value(data))


class _QueryBoolean(forms.Field):
    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        if value in ("true", "1"):
            return True
        if value in ("false", "0"):
            return False
        raise forms.ValidationError("Use true or false.")


class StrictBooleanFilter(django_filters.BooleanFilter):
    """?flag=true|false|1|0; anything else is a 400 (django-filter's default ignores it)."""

    field_class = _QueryBoolean


class _QueryDateTime(django_filters.fields.IsoDateTimeField):
    def to_python(self, value: Any) -> datetime | None:
        parsed: datetime | None = super().to_python(value)
        if parsed is None:
            return None
        # PostgreSQL takes UTC offsets up to 15:59 only; Python up to 23:59. Compare in UTC.
        try:
            return parsed.astimezone(UTC)
        except OverflowError:
            raise forms.ValidationError("Date out of range.") from None


class StrictDateTimeFilter(django_filters.IsoDateTimeFilter):
    """ISO 8601 date-time, normalised to UTC (so any valid offset works on every database)."""

    field_class = _QueryDateTime


class _QueryId(forms.IntegerField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**31 - 1)
        super().__init__(*args, **kwargs)


class StrictIdFilter(django_filters.NumberFilter):
    """An object id: a whole number within the database's range (400 otherwise, never a
    database error on a huge or fractional value)."""

    field_class = _QueryId


class StrictFilterSet(django_filters.FilterSet):
    """A filter given with an empty value is an error, not silently "no filter"."""

    def is_valid(self) -> bool:
        valid: bool = super().is_valid()
        for name in self.filters:
            if name in self.data and self.data.get(name) == "" and name in self.form.fields:
                self.form.add_error(name, "Give a value or leave the parameter out.")
                valid = False
        return valid


class SafeJSONParser(JSONParser):
    """DRF's JSON parser, also refusing numbers out of a float's range (1e400 would be
    infinity: see core/json_values.py), nesting too deep and unstorable strings."""

    def parse(self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> dict[str, Any]:
        encoding = get_encoding(parser_context or {})
        try:
            data: dict[str, Any] = json.load(codecs.getreader(encoding)(stream), parse_constant=strict_constant, parse_float=finite_float)
        except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, NonFiniteNumber
            raise ParseError(f"JSON parse error - {exc}") from None
        except RecursionError:
            raise ParseError("JSON is nested too deeply.") from None
        check_json_value(data)
        return data
