"""What every call of the embedded API goes through before and after its handler.

`endpoint(GET=handler, POST=handler)` makes one view for one path: it counts the call against
the token's rate limit, checks the token, the Version header, the JSON body and the locationId,
runs the handler for the method and turns an `ApiError` into the contract's error body. Every
response carries the rate limit headers while the limit is on.
"""

import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.views.decorators.csrf import csrf_exempt

from . import ratelimit
from .auth import authenticate, bearer_token, check_location, check_version
from .errors import ApiError, bad_request, error_response
from .models import Location

logger = logging.getLogger(__name__)

BODY_METHODS = {"POST", "PUT", "PATCH"}
NO_BODY = {None, "", "0"}
NUL = "\x00"
# How the answer time (SANDBOX_LATENCY_MS) is waited out.
pause = time.sleep


@dataclass
class Call:
    request: HttpRequest
    location: Location
    body: dict = field(default_factory=dict)

    @property
    def query(self) -> QueryDict:
        return self.request.GET


Handler = Callable[..., tuple[int, dict]]


def endpoint(**handlers: Handler) -> Callable[..., HttpResponse]:
    methods = tuple(handlers)

    @csrf_exempt
    @login_not_required
    def view(request: HttpRequest, **kwargs: str) -> HttpResponse:
        decision = None
        latency = float(getattr(settings, "SANDBOX_LATENCY_MS", 0) or 0)
        if latency > 0:  # the real service's answer time, for benchmarks
            pause(latency / 1000)
        try:
            decision = _count(request)
            location = authenticate(request)
            check_version(request)
            handler = handlers.get(request.method or "")
            if handler is None:
                raise ApiError(
                    405,
                    f"{request.method} is not allowed here; use {', '.join(methods)}",
                    headers={"Allow": ", ".join(methods)},
                )
            body = read_body(request) if request.method in BODY_METHODS else {}
            if request.method == "DELETE" and request.META.get("CONTENT_LENGTH") not in NO_BODY:
                body = read_body(request)  # only for a locationId in it
            check_no_nul(kwargs, request.GET, body)
            check_location(request, location, body)
            status, payload = handler(Call(request, location, body), **kwargs)
            response: HttpResponse = JsonResponse(payload, status=status)
        except ApiError as exc:
            response = error_response(exc)
        except Exception:
            logger.exception("The embedded API failed on %s %s", request.method, request.path)
            response = error_response(ApiError(500, "Internal server error"))
        if decision is not None:
            for name, value in decision.headers().items():
                response[name] = value
        return response

    view.methods = methods  # type: ignore[attr-defined]
    return view


def _count(request: HttpRequest) -> ratelimit.Decision | None:
    rate = ratelimit.current_rate()
    if rate is None:
        return None
    token = bearer_token(request)
    # The plain token is never kept: the limiter's keys are hashes (or the address without one).
    key = (
        hashlib.sha256(token.encode()).hexdigest()
        if token
        else f"ip:{request.META.get('REMOTE_ADDR')}"
    )
    decision = ratelimit.limiter.hit(key, rate)
    if not decision.allowed:
        raise ApiError(
            429,
            f"Too many requests: at most {rate.requests} per {rate.interval_ms} ms for this "
            f"token; retry in {decision.retry_after} s",
            headers=decision.headers(),
        )
    return decision


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


# The URLconf's names of path parameters, as openapi.json spells them.
PATH_PARAMETERS = {
    "id_or_key": "idOrKey",
    "record_id": "recordId",
    "field_id": "id",
    "object_key": "objectKey",
    "folder_id": "id",
    "association_id": "associationId",
    "contact_id": "contactId",
}


def check_no_nul(path: dict, query: QueryDict, body: Any) -> None:
    """400 for a NUL character anywhere in the call: PostgreSQL's text and jsonb cannot hold
    one, so SQLite refuses it too, and both databases answer the same. The error names the
    parameter or the top-level body property that holds it."""
    for name, value in path.items():
        if NUL in value:
            name = PATH_PARAMETERS.get(name, name)
            raise bad_request(f"The path parameter {name} must not contain NUL characters", name)
    for name, values in query.lists():
        if NUL in name or any(NUL in value for value in values):
            raise bad_request("Query parameters must not contain NUL characters", name)
    for name, value in body.items():
        if _holds_nul(name) or _holds_nul(value):
            raise bad_request("The request body must not contain NUL characters", name)


def _holds_nul(value: Any) -> bool:
    # A loop, not recursion: the body may nest as deep as the JSON parser allows.
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str) and NUL in item:
            return True
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def read_body(request: HttpRequest) -> dict:
    """The JSON object in the body; 400 when it is missing, malformed or not an object."""
    try:
        raw = request.body
    except RequestDataTooBig:
        raise ApiError(413, "The request body is too large") from None
    if not raw.strip():
        raise bad_request("The request body must be a JSON object; it is empty")
    try:
        data = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise bad_request("The request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise bad_request("The request body must be a JSON object")
    return data
