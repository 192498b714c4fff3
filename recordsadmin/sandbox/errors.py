"""The embedded API's error bodies, and the exceptions that end a call with one.

`{"statusCode", "message", "error"}` as the real service sends them (docs/records-api.md), plus
`errors` by field key. A 422 carries `message` as a list of strings, every other status as one
string. `Invalid` (one value's problem) and `SearchInvalid` (a search's) live here, below the
modules that raise them, so that validation, search and the per-type rules share them.
"""

from http import HTTPStatus

from django.http import JsonResponse

INVALID_TOKEN = "Invalid token: access token is invalid"  # noqa: S105 (a message)
LOCATION_NOT_ACCESSIBLE = "This location is not accessible from this token."
# The reason phrases the real service sends. Python's own table renamed 422 to "Unprocessable
# Content" in 3.13; the wire must not change with the Python version the sandbox runs on.
REASONS = {422: "Unprocessable Entity", 413: "Payload Too Large"}


class ApiError(Exception):
    """Ends a call with an error body. `errors` maps a field key to messages naming that key."""

    def __init__(
        self,
        status: int,
        message: str | list[str],
        errors: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message if isinstance(message, str) else "; ".join(message))
        self.status = status
        self.message = message
        self.errors = errors or {}
        self.headers = headers or {}

    @classmethod
    def from_errors(cls, status: int, errors: dict[str, list[str]]) -> "ApiError":
        messages = [message for field_messages in errors.values() for message in field_messages]
        return cls(status, messages, errors)


class Invalid(Exception):
    """One value's problem: the status it earns and a message that names the key."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


class SearchInvalid(Exception):
    """A search the API answers with 400; the message names the parameter or field at fault."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def bad_request(message: str, field: str | None = None) -> ApiError:
    return ApiError(400, message, {field: [message]} if field else None)


def not_found(message: str) -> ApiError:
    return ApiError(404, message)


def error_body(
    status: int, message: str | list[str], errors: dict[str, list[str]] | None = None
) -> dict:
    if status == 422:
        message = [message] if isinstance(message, str) else list(message)
    elif not isinstance(message, str):
        message = "; ".join(message)
    body: dict = {"statusCode": status, "message": message, "error": reason(status)}
    if errors:
        body["errors"] = errors
    return body


def reason(status: int) -> str:
    return REASONS.get(status) or HTTPStatus(status).phrase


def error_response(error: ApiError) -> JsonResponse:
    response = JsonResponse(
        error_body(error.status, error.message, error.errors), status=error.status
    )
    for name, value in error.headers.items():
        response[name] = value
    return response
