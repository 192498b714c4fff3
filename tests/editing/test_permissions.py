"""Who may do what (docs/reliability.md item 7): buttons only for what the user may do, 403
otherwise."""

import pytest
from django.test import Client

from recordsadmin.records import services
from tests.conftest import make_staff

from .helpers import url

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def record(prop):
    return services.record_create(
        schema=prop, properties={"address": "5 Rule Road", "price": 1, "status": "Active"}
    )


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def pages(prop, record):
    return {
        "create": url("record_create", prop.key),
        "edit": url("record_edit", prop.key, record.id),
        "delete": url("record_delete", prop.key, record.id),
        "restore": url("record_restore", prop.key, record.id),
    }


def test_a_viewer_sees_no_buttons_and_is_refused(viewer, prop, record, embedded):
    client = login(viewer)
    writes = len(embedded.writes)
    page = client.get(url("record_detail", prop.key, record.id)).content.decode()
    assert "5 Rule Road" in page
    assert url("record_edit", prop.key, record.id) not in page
    assert url("record_delete", prop.key, record.id) not in page
    for target in pages(prop, record).values():
        assert client.get(target).status_code == 403
        assert client.post(target, {"address": "x"}).status_code == 403
    assert len(embedded.writes) == writes


def test_each_permission_opens_its_own_page_only(prop, record):
    editor = login(make_staff("editor", "view_record", "change_record"))
    assert editor.get(url("record_edit", prop.key, record.id)).status_code == 200
    assert editor.get(url("record_delete", prop.key, record.id)).status_code == 403
    assert editor.get(url("record_create", prop.key)).status_code == 403
    detail = editor.get(url("record_detail", prop.key, record.id)).content.decode()
    assert url("record_edit", prop.key, record.id) in detail
    assert url("record_delete", prop.key, record.id) not in detail

    remover = login(make_staff("remover", "view_record", "delete_record"))
    assert remover.get(url("record_delete", prop.key, record.id)).status_code == 200
    assert remover.get(url("record_edit", prop.key, record.id)).status_code == 403

    adder = login(make_staff("adder", "view_record", "add_record"))
    assert adder.get(url("record_create", prop.key)).status_code == 200
    assert adder.get(url("record_edit", prop.key, record.id)).status_code == 403


def test_staff_without_permissions_and_non_staff_are_refused(
    staff_without_permissions, plain_user, prop, record, embedded
):
    writes = len(embedded.writes)
    for user in (staff_without_permissions, plain_user):
        client = login(user)
        for target in pages(prop, record).values():
            assert client.get(target).status_code == 403, (user, target)
            assert client.post(target).status_code == 403
    assert len(embedded.writes) == writes


def test_restore_needs_add_permission(prop, record, staff_user):
    services.record_delete_logged(user=staff_user, schema=prop, record=record)
    remover = login(make_staff("remover", "view_record", "delete_record"))
    assert remover.post(url("record_restore", prop.key, record.id)).status_code == 403
    page = remover.get(url("record_restore", prop.key, record.id))
    assert page.status_code == 403


def test_no_links_to_what_the_user_may_not_do(prop, record, embedded):
    editor = login(make_staff("editor", "view_record", "change_record"))
    form = editor.get(url("record_edit", prop.key, record.id)).content.decode()
    assert "Save and continue editing" in form
    assert "Save and add another" not in form, "adding is not theirs"

    remover = login(make_staff("remover", "view_record", "delete_record"))
    response = remover.post(url("record_delete", prop.key, record.id))
    assert response.status_code == 303
    listing = remover.get(response["Location"]).content.decode()
    assert "“5 Rule Road” deleted." in listing
    assert url("record_restore", prop.key, record.id) not in listing
    assert "Restore it" not in listing


def test_users_with_add_permission_get_those_links(staff_user, prop, record, embedded):
    client = login(staff_user)
    form = client.get(url("record_edit", prop.key, record.id)).content.decode()
    assert "Save and add another" in form
    response = client.post(url("record_delete", prop.key, record.id))
    listing = client.get(response["Location"]).content.decode()
    assert f'<a href="{url("record_restore", prop.key, record.id)}">Restore it</a>' in listing


def test_a_viewer_sees_no_edit_delete_or_new_buttons_on_the_record_page(viewer, prop, record):
    page = login(viewer).get(url("record_detail", prop.key, record.id)).content.decode()
    assert "5 Rule Road" in page
    for target in pages(prop, record).values():
        assert f'href="{target}"' not in page
    for label in (">Edit<", ">Delete<", "New property", ">Restore"):
        assert label not in page
