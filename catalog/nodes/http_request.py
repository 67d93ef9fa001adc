import json
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from catalog.credentials import HTTP_TYPES, credential_field, http_auth
from catalog.nodes.base import JSONDict, NodeResult, NodeType, StepContext, StepFailed, choices, obj
from catalog.nodes.net import SECRET_HEADERS, BlockedAddress, deadline
from catalog.nodes.registry import register

_STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
MAX_RESPONSE_BYTES = 1_048_576


def _status_fails(status: int, rules: list[Any]) -> bool:
    for rule in rules:
        if isinstance(rule, int) and rule == status:
            return True
        if isinstance(rule, str) and len(rule) == 3 and rule.endswith("xx") and str(status)[0] == rule[0]:
            return True
    return False


@register
class HttpRequest(NodeType):
    type = "http.request"
    guarded = True
    keeps_deadline = True  # catalog.nodes.net.deadline: connect, DNS, every read and write, every hop
    title = "HTTP request"
    category = "Actions"
    description = (
        "Calls an HTTP API. Sends an Idempotency-Key header that stays the same across retries. "
        "The timeout bounds the whole call, redirects and the body included. "
        "A redirect to another origin (scheme, host or port) drops every header that carries a credential: "
        "Authorization, Proxy-Authorization, Cookie and any header named like one "
        "(*auth*, *cookie*, *-key, *apikey*, *token*, *secret*, *password*, *session*, x-api-*)."
    )
    config_schema = obj(
        {
            "method": choices({m: m for m in ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")}, title="Method"),
            "url": {
                "type": "string",
                "title": "URL",
                "minLength": 1,
                "pattern": "^(https?://|\\{\\{)",
                "x-message": "The URL must start with http:// or https:// (or be an expression in {{ }}).",
            },
            "credential": credential_field(*HTTP_TYPES, title="Credential"),
            "headers": {**_STRING_MAP, "title": "Headers"},
            "query": {**_STRING_MAP, "title": "Query parameters"},
            "json": {"title": "JSON body"},
            "body": {"type": "string", "title": "Raw body"},
            "timeout_s": {"type": "number", "exclusiveMinimum": 0, "maximum": 300, "title": "Timeout (s)"},
            "fail_on_status": {
                "type": "array",
                "title": "Fail on status",
                "description": "Status codes (404) or classes (5xx) that fail the step.",
                "items": {"anyOf": [{"type": "integer", "minimum": 100, "maximum": 599}, {"type": "string", "pattern": "^[1-5]xx$"}]},
            },
            "follow_redirects": {"type": "boolean", "title": "Follow redirects"},
            "response_format": choices({"auto": "Detect from Content-Type", "json": "JSON", "text": "Text"}, title="Parse response as"),
        },
        required=("method", "url"),
    )
    default_config = {
        "method": "GET",
        "url": "https://",
        "headers": {},
        "query": {},
        "timeout_s": 30,
        "fail_on_status": ["4xx", "5xx"],
        "follow_redirects": True,
        "response_format": "auto",
    }

    @classmethod
    def check_config(cls, config: JSONDict) -> list[tuple[str, str]]:
        if "json" in config and "body" in config:
            return [("/body", "Give either a JSON body or a raw body, not both.")]
        return []

    @classmethod
    def execute(cls, ctx: StepContext) -> NodeResult:
        config = ctx.config
        headers = {str(k): str(v) for k, v in (config.get("headers") or {}).items()}
        auth_headers, auth_query = _credential(ctx)
        if auth_headers:  # the credential's headers win over the config's of the same name
            taken = {name.lower() for name in auth_headers}
            headers = {k: v for k, v in headers.items() if k.lower() not in taken} | auth_headers
        # The same key on every attempt of this step, so the far side can deduplicate.
        headers.setdefault("Idempotency-Key", ctx.idempotency_key)
        try:
            # Merge: httpx's `params` would replace the query already in the URL.
            # Untouched without query config: re-encoding would break pre-signed URLs.
            url = httpx.URL(str(config["url"]))
            if config.get("query"):
                url = url.copy_merge_params(config["query"])
            if auth_query:
                url = url.copy_merge_params(auth_query)
        except (httpx.InvalidURL, TypeError, ValueError) as exc:
            raise StepFailed(f"Invalid URL {config['url']!r}: {exc}", code="invalid_url", retryable=False) from None
        request: JSONDict = {"method": config["method"], "url": url, "headers": headers}
        if auth_headers:
            request["extensions"] = {SECRET_HEADERS: tuple(auth_headers)}
        if "json" in config:
            request["json"] = config["json"]
        elif "body" in config:
            request["content"] = str(config["body"]).encode()
        timeout = float(config.get("timeout_s") or 30)
        if ctx.timeout_s:
            timeout = min(timeout, ctx.timeout_s)
        # One deadline for the whole call: connect, send, every read, every redirect hop.
        # A timeout is only per operation in httpx, so a drip of bytes would never end it.
        until = time.monotonic() + timeout
        if ctx.deadline is not None:
            until = min(until, ctx.deadline)
        try:
            follow = bool(config.get("follow_redirects", True))
            # The process's pooled client: the connection is kept alive for the next step.
            # Leaving the block early (too large, too late) closes the connection, not returns it.
            with deadline(until), ctx.http.stream(**request, timeout=timeout, follow_redirects=follow) as response:
                received = bytearray()
                for chunk in response.iter_bytes():
                    received += chunk
                    if len(received) > MAX_RESPONSE_BYTES:
                        raise StepFailed(
                            f"The response is larger than {MAX_RESPONSE_BYTES} bytes.", code="response_too_large", retryable=False
                        )
        except BlockedAddress as exc:
            raise StepFailed(str(exc), code="blocked_address", retryable=False) from None
        except (httpx.ConnectTimeout, httpx.PoolTimeout):  # nothing was sent
            raise StepFailed(f"No connection within {timeout:g} s to {config['url']}.", code="connect_timeout") from None
        except httpx.TimeoutException:
            message = f"No response within {timeout:g} s from {config['url']}."
            raise StepFailed(message, code="timeout", outcome_unknown=True) from None
        except httpx.InvalidURL as exc:
            raise StepFailed(f"Invalid URL {config['url']!r}: {exc}", code="invalid_url", retryable=False) from None
        except httpx.ConnectError as exc:  # nothing was sent
            raise StepFailed(f"Request to {config['url']} failed: {exc}", code="connection_error") from None
        except httpx.HTTPError as exc:  # lost after the request went out: it may have had its effect
            raise StepFailed(f"Request to {config['url']} failed: {exc}", code="connection_lost", outcome_unknown=True) from None
        text = received.decode(response.encoding or "utf-8", errors="replace")
        parsed: Any = None
        wanted = config.get("response_format", "auto")
        if wanted == "json" or (wanted == "auto" and "json" in response.headers.get("content-type", "")):
            try:
                parsed = json.loads(text) if text else None
            except ValueError:
                if wanted == "json":
                    raise StepFailed("The response is not valid JSON.", code="invalid_json", retryable=False) from None
        output = {
            "status": response.status_code,
            "headers": dict(response.headers),
            "json": parsed,
            "text": None if parsed is not None else text,
            "url": str(response.url),
        }
        if _status_fails(response.status_code, config.get("fail_on_status", ["4xx", "5xx"])):
            retryable = response.status_code >= 500 or response.status_code in (408, 429)
            message = f"HTTP {response.status_code} from {config['url']}"
            after = retry_after_s(response.headers.get("retry-after")) if response.status_code in (429, 503) else None
            # A gateway's timeout or bad gateway: the server behind it may have acted.
            unknown = response.status_code in (502, 504)
            raise StepFailed(message, code="http_status", retryable=retryable, details=output, retry_after_s=after, outcome_unknown=unknown)
        return NodeResult(output=output)


def _credential(ctx: StepContext) -> tuple[dict[str, str], dict[str, str]]:
    """The headers and query parameters of the step's credential (none without one). Its
    headers win over the config's of the same name."""
    data = ctx.secrets.get("credential")
    if not data:
        return {}, {}
    return http_auth(str(data["type"]), data)


def retry_after_s(value: str | None, now: datetime | None = None) -> float | None:
    """An HTTP Retry-After value (delay-seconds, or an HTTP date) as seconds from now; None
    when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max((moment - (now or datetime.now(UTC))).total_seconds(), 0.0)
