"""Who is calling: the bearer token, the Version header and the locationId (docs/records-api.md).

A token belongs to one location and is stored as its SHA-256 only. A `locationId` that is not
the token's, wherever the client put it (query or body), is refused with 401.
"""

from collections.abc import Mapping

from django.http import HttpRequest

from recordsadmin.contract.limits import API_VERSION

from .errors import INVALID_TOKEN, LOCATION_NOT_ACCESSIBLE, ApiError, bad_request
from .models import ApiToken, Location, hash_token


def bearer_token(request: HttpRequest) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def authenticate(request: HttpRequest) -> Location:
    token = bearer_token(request)
    found = (
        ApiToken.objects.select_related("location").filter(token_hash=hash_token(token)).first()
        if token
        else None
    )
    if found is None:
        raise ApiError(401, INVALID_TOKEN)
    return found.location


def check_version(request: HttpRequest) -> None:
    version = request.headers.get("Version")
    if version != API_VERSION:
        problem = "is missing" if version is None else f"is {version!r}"
        raise bad_request(f"The Version header {problem}: send Version: {API_VERSION}", "Version")


def check_location(request: HttpRequest, location: Location, body: Mapping) -> None:
    """Any locationId the client sent, in the query or the body, must be the token's."""
    given = request.GET.getlist("locationId")
    if "locationId" in body:
        given.append(body["locationId"])
    if any(value != location.id for value in given):
        raise ApiError(401, LOCATION_NOT_ACCESSIBLE)
