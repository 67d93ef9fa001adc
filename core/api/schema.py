"""OpenAPI generation: every operation documents the JSON error bodies it can return."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema

ERROR_CODES = {
    "400": "Malformed request: the problems name the fields.",
    "401": "Not signed in: use the session cookie or `Authorization: Token <key>`.",
    "403": "Forbidden (for example a missing CSRF token with session auth).",
    "404": "Not found, or not yours.",
}
WRITE_ERROR_CODES = {
    "413": "The request body or the graph is over the size limits.",
    "415": "Unsupported content type: send application/json.",
}


class StepwiseAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        from core.api.serializers import ErrorSerializer  # API layer, loaded after apps

        codes = dict(ERROR_CODES)
        if self.method in {"POST", "PUT", "PATCH"}:
            codes.update(WRITE_ERROR_CODES)
        for code, description in codes.items():
            if code not in responses:
                # drf-spectacular leaves this method unannotated (its public API is typed).
                response = self._get_response_for_code(ErrorSerializer, code, direction=direction)  # type: ignore[no-untyped-call]
                response["description"] = description
                responses[code] = response
        return responses
