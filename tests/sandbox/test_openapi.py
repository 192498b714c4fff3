"""/sandbox/openapi.json describes exactly the routes of the sandbox URLconf."""

import re

import pytest
import requests
from django.urls import resolve

from recordsadmin.sandbox import urls as sandbox_urls
from recordsadmin.sandbox.openapi import SPEC

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


def concrete(path: str) -> str:
    return "/sandbox" + re.sub(r"\{[^}]+\}", "sample-1", path)


def described() -> set[tuple[str, str]]:
    """(route name, METHOD) of every described operation, found by resolving its path."""
    found = set()
    for path, operations in SPEC["paths"].items():
        match = resolve(concrete(path))
        assert match.url_name != "unknown", f"{path} is described but no route serves it"
        for method in set(operations) & HTTP_METHODS:
            found.add((match.url_name, method.upper()))
    return found


def routed() -> set[tuple[str, str]]:
    found = set()
    for pattern in sandbox_urls.urlpatterns:
        if pattern.name == "unknown":  # the JSON 404 for everything else
            continue
        for method in getattr(pattern.callback, "methods", ("GET",)):
            found.add((pattern.name, method))
    return found


def test_every_route_is_described_and_every_description_is_routed():
    assert described() == routed()


def test_described_paths_resolve_with_and_without_a_trailing_slash():
    for path in SPEC["paths"]:
        with_slash = concrete(path).rstrip("/") + "/"
        without = concrete(path).rstrip("/")
        if path == "/openapi.json":
            continue
        assert resolve(with_slash).url_name == resolve(without).url_name != "unknown"


def test_the_search_route_comes_before_the_record_route():
    assert resolve("/sandbox/objects/x/records/search").url_name == "record-search"
    assert resolve("/sandbox/objects/x/records/abc").url_name == "record"


def test_every_reference_resolves():
    text = repr(SPEC)
    for ref in set(re.findall(r"#/components/(\w+)/(\w+)", text)):
        assert ref[1] in SPEC["components"][ref[0]], ref


@pytest.mark.django_db(transaction=True)
def test_openapi_json_is_served_without_a_token(live_server):
    response = requests.get(live_server.url + "/sandbox/openapi.json", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert body["openapi"].startswith("3.")
    assert set(body["paths"]) == set(SPEC["paths"])
