"""What a JSON request body may hold beyond the grammar: numbers that stay finite. Python's
json parses a number too large for a float (1e400) as infinity, which neither the
databases' JSON nor a response can hold; every parser of request bodies (the API's
SafeJSONParser, the webhooks) refuses it here, by name, as a 400."""

from __future__ import annotations

import math


class NonFiniteNumber(ValueError):
    """A number in the body that is out of a float's range."""


def finite_float(text: str) -> float:
    """json's parse_float: the number, or NonFiniteNumber naming it."""
    value = float(text)
    if not math.isfinite(value):
        shown = text if len(text) <= 40 else text[:37] + "..."
        raise NonFiniteNumber(f"the number {shown} is out of range (non-finite numbers are refused)")
    return value
