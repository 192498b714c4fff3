"""A form larger than DATA_UPLOAD_MAX_MEMORY_SIZE gets 413 and the dashboard's own page, with
DEBUG on (the demo) as with it off: never Django's debug page nor its bare 400."""

from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from recordsadmin.records.transfer.csvfiles import MAX_UPLOAD_BYTES
from tests.test_security_headers import TABLE, assert_strict_csp_with_nonced_scripts

pytestmark = pytest.mark.django_db

URLENCODED = "application/x-www-form-urlencoded"


@pytest.fixture(params=[False, True], ids=["production", "debug"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


def too_much() -> str:
    return "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)


def assert_our_413(response) -> None:
    assert response.status_code == 413
    html = response.content.decode()
    assert "Too much to send" in html and "nothing was saved" in html
    assert "RequestDataTooBig" not in html and "DATA_UPLOAD_MAX_MEMORY_SIZE" not in html
    assert_strict_csp_with_nonced_scripts(response)


def test_a_record_form_too_large_gets_413(debug, staff_client, service):
    form = {"address": too_much(), "price": "1", "status": "Active"}
    assert_our_413(staff_client.post(TABLE + "new/", urlencode(form), content_type=URLENCODED))
    assert_our_413(staff_client.post(TABLE + "new/", form))  # multipart
    assert [s for s in service.stub.requests if s.method != "GET"] == []


def test_a_sign_in_form_too_large_gets_413(debug, client):
    form = {"username": "someone", "password": too_much()}
    assert_our_413(client.post("/accounts/login/", urlencode(form), content_type=URLENCODED))


def test_an_import_with_too_much_beside_its_file_gets_413(debug, staff_client, service):
    upload = SimpleUploadedFile("small.csv", b"address\n1 Test Lane\n", content_type="text/csv")
    response = staff_client.post(TABLE + "import/", {"file": upload, "note": too_much()})
    assert_our_413(response)


def test_a_file_over_the_import_limit_is_refused_on_the_form(debug, staff_client, service):
    """Files do not count towards DATA_UPLOAD_MAX_MEMORY_SIZE: the upload page has its own
    limit and says so on the form."""
    big = SimpleUploadedFile("big.csv", b"a\n" + b"x" * MAX_UPLOAD_BYTES, content_type="text/csv")
    response = staff_client.post(TABLE + "import/", {"file": big})
    assert response.status_code == 200
    assert "The file is larger than 5 MB." in response.content.decode()


def test_a_body_larger_than_any_form_is_refused_by_its_length_unread(debug, staff_client):
    # A multipart body is written to a temporary file whatever its size: the declared length
    # is enough to refuse it, before anything is read or stored.
    def upload_at(who, url, length):
        upload = SimpleUploadedFile("big.csv", b"address\n1 Test Lane\n", content_type="text/csv")
        return who.post(url, {"file": upload}, CONTENT_LENGTH=str(length))

    anonymous = upload_at(Client(), "/accounts/login/", settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    assert_our_413(anonymous)
    assert "in all, files included" in anonymous.content.decode()
    staff = upload_at(staff_client, TABLE + "import/", settings.MAX_REQUEST_BYTES + 1)
    assert_our_413(staff)


def test_the_largest_import_fits_in_a_request():
    assert settings.MAX_REQUEST_BYTES > MAX_UPLOAD_BYTES + settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def test_signed_out_on_a_page_of_the_dashboard_a_large_upload_goes_to_sign_in(debug):
    # The session ran out while the import page was open: the person is asked to sign in, as
    # for any page, not told that the file was too much.
    upload = SimpleUploadedFile("big.csv", b"address\n1 Test Lane\n", content_type="text/csv")
    length = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1
    response = Client().post(TABLE + "import/", {"file": upload}, CONTENT_LENGTH=str(length))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
