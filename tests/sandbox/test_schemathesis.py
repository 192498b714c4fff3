"""Schemathesis against /sandbox/openapi.json: what the document allows is accepted, what it
forbids is refused, and every answer is one it describes. And against GoHighLevel's own
description of the records calls (apps/objects.json): no case of it gets a server error.

The embedded API runs in-process (Django's WSGI application, inside the test's transaction);
each generated case runs in a savepoint that is rolled back, so every case meets the same demo
location and a create never fills the location's ten objects. The path parameters, the
location and the token are fixed (config `parameters` and `headers`), so the cases reach a real
object, record, field, folder, association, relation and contact instead of answering 404. The
run is derandomized and bounded (`MAX_EXAMPLES` a phase and operation, `FEW_EXAMPLES` for the
simpler calls); tests/sandbox/conftest.py prints its case count.

The rate limit is off in tests/settings.py (SANDBOX_RATE_LIMIT): the document describes the
429 it would answer, and tests/sandbox/test_ratelimit.py checks it.
"""

import time

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from recordsadmin.sandbox.demo import BUYER_ASSOCIATION, PROPERTY_KEY, create_demo_location
from recordsadmin.sandbox.models import Association, Contact, Field, FieldFolder, Record, Relation
from recordsadmin.sandbox.openapi import SPEC
from tests.support.official import official_spec

from .conftest import OFFICIAL_RUN, SCHEMATHESIS_RUN, VERSION, SchemathesisRun

pytestmark = pytest.mark.django_db

LOCATION = "5c4e0a1b2d3f4a5b6c7d8e90"
TOKEN = "pit-schemathesis"
RECORD = "0123456789abcdef01234567"
STATUS_FIELD = "fedcba9876543210fedcba98"  # a SINGLE_OPTIONS field, not the primary one
FOLDER = "f01de4f01de4f01de4f01de4"  # an empty folder of the property object
ASSOCIATION = "a550c1a710a550c1a710a550"  # property <-> contact
RELATION = "4e1a710a4e1a710a4e1a710a"  # of RECORD and CONTACT
CONTACT = "c0c0c0c0c0c0c0c0c0c0c0c0"
# Cases per phase (examples, coverage, fuzzing) and operation: the run stays near a minute.
MAX_EXAMPLES = 25
# The folder, association and contact calls are simple and many: fewer cases each keep the
# run short.
FEW_EXAMPLES = 8


def _only(path: str, method: str, **config) -> dict:
    """Config for one operation: its path and method, and what differs there."""
    return {"include-path": path, "include-method": method, **config}


FEW = {"generation": {"max-examples": FEW_EXAMPLES}}
OPERATIONS = [
    # One path, two ids: a record's for GET, a relation's for DELETE.
    _only("/associations/relations/{id}", "GET", parameters={"path.id": RECORD}, **FEW),
    _only("/associations/relations/{id}", "DELETE", parameters={"path.id": RELATION}, **FEW),
    *(
        _only(path, method, parameters={"path.id": FOLDER}, **FEW)
        for path, method in [
            ("/custom-fields/folder/{id}", "PUT"),
            ("/custom-fields/folder/{id}", "DELETE"),
        ]
    ),
    *(
        _only(path, method, **FEW)
        for path, method in [
            ("/custom-fields/folder", "POST"),
            ("/associations/", "GET"),
            ("/associations/", "POST"),
            ("/associations/relations", "POST"),
            ("/associations/key/{key_name}", "GET"),
            ("/associations/objectKey/{objectKey}", "GET"),
            ("/associations/{associationId}", "GET"),
            ("/associations/{associationId}", "PUT"),
            ("/associations/{associationId}", "DELETE"),
            ("/contacts/search", "POST"),
            ("/contacts/", "POST"),
            ("/contacts/{contactId}", "GET"),
        ]
    ),
]


def _config(examples: int, parameters: dict, **more) -> schemathesis.Config:
    """A derandomized run without the stateful phase, the token in every case's headers."""
    return schemathesis.Config.from_dict(
        {
            "seed": 20260307,
            "generation": {"max-examples": examples, "deterministic": True, "database": "none"},
            "phases": {"stateful": {"enabled": False}},
            "parameters": parameters,
            "headers": {"Authorization": f"Bearer {TOKEN}"},
            **more,
        }
    )


CONFIG = _config(
    MAX_EXAMPLES,
    {
        "path.idOrKey": PROPERTY_KEY,
        "path.objectKey": PROPERTY_KEY,
        "path.recordId": RECORD,
        "path.id": STATUS_FIELD,
        "path.associationId": ASSOCIATION,
        "path.key_name": BUYER_ASSOCIATION,
        "path.contactId": CONTACT,
        "query.locationId": LOCATION,
    },
    operations=OPERATIONS,
    checks={
        # 400 and 422 to valid data are judged by refusals_are_documented below.
        "positive_data_acceptance": {
            "expected-statuses": ["2xx", "400", "401", "404", "422", "429"]
        },
    },
)
schema = schemathesis.openapi.from_wsgi(
    "/sandbox/openapi.json", get_wsgi_application(), config=CONFIG
)


def _named(operation: dict) -> set[str]:
    """The query parameters and top-level body properties the operation describes."""
    names = {p["name"] for p in operation["parameters"] if "name" in p}
    body = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if body:
        name = body["schema"]["$ref"].rsplit("/", 1)[-1]
        names |= set(SPEC["components"]["schemas"][name]["properties"])
    return names


@schemathesis.check
def refusals_are_documented(ctx, response, case):
    """Valid data (by the document) may be refused with 400 or 422 only for what the operation
    lists in x-refused-beyond-schema, or for a name inside a free-form part (a record key, a
    search field), never for a parameter or property whose schema says it all."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return None
    if response.status_code not in (400, 422):
        return None
    operation = SPEC["paths"][case.operation.path][case.method.lower()]
    beyond = set(operation.get("x-refused-beyond-schema", {}))
    errors = response.json().get("errors") or {}
    stated = _named(operation) - beyond
    assert errors, f"valid data refused without naming what: {response.text[:300]}"
    assert beyond, f"{case.method} {case.path} refuses valid data: {response.text[:300]}"
    undocumented = sorted(set(errors) & stated)
    assert not undocumented, f"refused for {undocumented}, which the document allows"
    return None


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    positive_data_acceptance,
    negative_data_rejection,
    refusals_are_documented,
]


@pytest.fixture(autouse=True)
def demo(db):
    """The demo location, with a record and a field at the ids the config names."""
    # The WSGI handler closes the connection around each request; the test's transaction must
    # stay open (Django's test client does the same).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    create_demo_location(location_id=LOCATION, token=TOKEN, records=5)
    first = Record.objects.filter(location_id=LOCATION).order_by("created_at").first()
    Record.objects.filter(pk=first.pk).update(id=RECORD)
    status = Field.objects.filter(location_id=LOCATION, field_key=f"{PROPERTY_KEY}.status")
    status.update(id=STATUS_FIELD)
    prop = Field.objects.get(id=STATUS_FIELD).object
    FieldFolder.objects.create(id=FOLDER, location_id=LOCATION, object=prop, name="Empty")
    buyers = Association.objects.get(location_id=LOCATION, key=BUYER_ASSOCIATION)
    Association.objects.filter(pk=buyers.pk).update(id=ASSOCIATION)
    Relation.objects.filter(association_id=buyers.pk).update(association_id=ASSOCIATION)
    contact = Contact.objects.filter(location_id=LOCATION).first()
    Contact.objects.filter(pk=contact.pk).update(id=CONTACT)
    Relation.objects.filter(second_record_id=contact.pk).update(second_record_id=CONTACT)
    Relation.objects.create(
        id=RELATION,
        location_id=LOCATION,
        association_id=ASSOCIATION,
        first_record_id=RECORD,
        second_record_id=CONTACT,
    )
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _with_the_location(case) -> None:
    """A valid body's locationId is the token's (else 401): the config pins only parameters."""
    body = case.meta.components.get(ParameterLocation.BODY) if case.meta else None
    negative = body is not None and body.mode.is_negative
    if isinstance(case.body, dict) and "locationId" in case.body and not negative:
        case.body["locationId"] = LOCATION


def _call(run: SchemathesisRun, case, checks: list):
    """The case sent and checked in a savepoint that is rolled back, and counted in `run`."""
    run.started = run.started or time.monotonic()
    _with_the_location(case)
    savepoint = transaction.savepoint()
    try:
        response = case.call_and_validate(checks=checks)
    finally:
        transaction.savepoint_rollback(savepoint)
        run.count(case)
    run.statuses[response.status_code] += 1
    return response


@schema.parametrize()
def test_the_api_does_what_its_document_says(case):
    _call(SCHEMATHESIS_RUN, case, CHECKS)


# -- GoHighLevel's own description of the records calls ----------------------------------------


def _official_objects() -> dict:
    """apps/objects.json, served where the embedded API is."""
    spec = official_spec("apps/objects.json")
    spec["servers"] = [{"url": "/sandbox"}]
    return spec


OFFICIAL_CONFIG = _config(
    FEW_EXAMPLES,
    {
        "path.key": PROPERTY_KEY,
        "path.schemaKey": PROPERTY_KEY,
        "path.id": RECORD,
        "query.locationId": LOCATION,
        "header.Version": VERSION,
    },
)
official = schemathesis.openapi.from_dict(_official_objects(), config=OFFICIAL_CONFIG)
official.app = get_wsgi_application()


@official.parametrize()
def test_no_case_of_the_official_description_gets_a_server_error(case):
    """docs/reliability.md item 34: cases made from apps/objects.json, valid and invalid by it,
    never get a 5xx. Its answers are not judged by that file here: where it is wrong,
    docs/differences.md says so and test_official_schema.py checks the corrected one."""
    response = _call(OFFICIAL_RUN, case, [not_a_server_error])
    # The embedded API answered, not the dashboard (whose sign-in page would be no 5xx either).
    assert response.request.url.split("/", 3)[-1].startswith("sandbox/"), response.request.url
