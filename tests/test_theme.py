"""The colour theme: chosen in the topbar, kept per user on the server, on <html data-theme> of
every page as it is sent (recordsadmin/accounts/theme.py, static/css/app.css)."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from recordsadmin.accounts.preferences import preference_get, preference_set
from tests.conftest import make_staff

pytestmark = pytest.mark.django_db

# A page with the topbar that needs no records API.
PAGE = "/no/such/page/"
APP_CSS = Path(settings.BASE_DIR) / "static" / "css" / "app.css"


def html_theme(response) -> str:
    return re.search(r'<html[^>]* data-theme="([^"]*)"', response.content.decode()).group(1)


def pressed(response) -> list[str]:
    """The theme buttons shown pressed."""
    buttons = re.findall(r'<button[^>]*name="theme"[^>]*>', response.content.decode())
    assert len(buttons) == 3
    return [re.search(r'value="(\w+)"', b).group(1) for b in buttons if 'aria-pressed="true"' in b]


def test_a_new_user_follows_the_system(staff_client):
    response = staff_client.get(PAGE)
    assert html_theme(response) == "system"
    assert pressed(response) == ["system"]


def test_choosing_dark_without_javascript_comes_back_to_the_page_in_dark(staff_client, staff_user):
    response = staff_client.post("/accounts/theme/", {"theme": "dark", "next": PAGE})
    assert response.status_code == 302
    assert response["Location"] == PAGE
    page = staff_client.get(PAGE)
    assert html_theme(page) == "dark"
    assert pressed(page) == ["dark"]
    assert preference_get(user=staff_user, name="theme") == "dark"


def test_the_choice_is_the_users_own(client, staff_user):
    other = make_staff("other")
    preference_set(user=staff_user, name="theme", value="light")
    client.force_login(other)
    assert html_theme(client.get(PAGE)) == "system"


def test_choosing_the_system_again_forgets_the_choice(staff_client, staff_user):
    preference_set(user=staff_user, name="theme", value="dark")
    staff_client.post("/accounts/theme/", {"theme": "system", "next": PAGE})
    assert preference_get(user=staff_user, name="theme", default="none") == "none"
    assert html_theme(staff_client.get(PAGE)) == "system"


def test_through_htmx_the_answer_is_empty(staff_client, staff_user):
    response = staff_client.post(
        "/accounts/theme/", {"theme": "light"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 204
    assert preference_get(user=staff_user, name="theme") == "light"


def test_an_unknown_theme_is_refused_and_changes_nothing(staff_client, staff_user):
    response = staff_client.post("/accounts/theme/", {"theme": "sepia", "next": PAGE})
    assert response.status_code == 400
    assert preference_get(user=staff_user, name="theme", default="none") == "none"


def test_a_stored_value_this_code_does_not_know_is_the_system(staff_client, staff_user):
    preference_set(user=staff_user, name="theme", value={"old": "shape"})
    assert html_theme(staff_client.get(PAGE)) == "system"


@pytest.mark.parametrize("next_url", ["https://elsewhere.example/", "//elsewhere.example/", ""])
def test_it_never_sends_the_user_to_another_site(staff_client, next_url):
    response = staff_client.post("/accounts/theme/", {"theme": "dark", "next": next_url})
    assert response["Location"] == "/"


def test_the_choice_is_a_post_with_its_csrf_token(client, staff_user):
    client.force_login(staff_user)
    assert client.get("/accounts/theme/").status_code == 405
    strict = type(client)(enforce_csrf_checks=True)
    strict.force_login(staff_user)
    assert strict.post("/accounts/theme/", {"theme": "dark"}).status_code == 403
    assert preference_get(user=staff_user, name="theme", default="none") == "none"


def test_signed_out_there_is_no_switch_and_the_system_decides(client):
    response = client.get("/accounts/login/")
    assert html_theme(response) == "system"
    assert 'name="theme"' not in response.content.decode()


# The stylesheet: every colour is a variable at its top, light-dark(light, dark) where the two
# themes differ; the page's color-scheme picks the value: data-theme="light" and "dark" set it,
# "system" (or no attribute) leaves "light dark", which follows the system's setting.


def declarations(block: str) -> dict[str, str]:
    return dict(re.findall(r"(--[\w-]+|color-scheme):\s*([^;]+);", block))


def css_blocks() -> tuple[dict, str]:
    css = APP_CSS.read_text()
    root = re.search(r"^:root \{(.*?)^\}", css, re.S | re.M)
    assert root, "app.css starts with its variables"
    return declarations(root[1]), css[: root.start()] + css[root.end() :]


def test_each_theme_sets_the_color_scheme_that_picks_every_colours_value():
    variables, rest = css_blocks()
    assert variables["color-scheme"] == "light dark"
    for theme in ("light", "dark"):
        rule = rf':root\[data-theme="{theme}"\] \{{\s*color-scheme: {theme};\s*\}}'
        assert re.search(rule, rest), f"no rule for data-theme={theme}"
    both = [name for name, value in variables.items() if "light-dark(" in value]
    assert {"--bg", "--surface", "--text", "--primary", "--focus", "--shadow"} <= set(both)
    # Each light-dark() has its two values.
    for name in both:
        for pair in re.findall(r"light-dark\(((?:[^()]|\([^()]*\))*)\)", variables[name]):
            assert len(re.split(r",(?![^()]*\))", pair)) == 2, (name, pair)


def test_no_colour_is_written_outside_the_variables():
    _, rest = css_blocks()
    rest = re.sub(r"/\*.*?\*/", "", rest, flags=re.S)
    found = re.findall(r"#[0-9a-fA-F]{3,8}\b|\b(?:rgba?|hsla?)\(|\b(?:white|black)\b(?!-)", rest)
    assert not found, "use a variable from the top of app.css"


def test_the_sign_in_page_keeps_the_theme_last_chosen_on_this_device(staff_client):
    staff_client.post("/accounts/theme/", {"theme": "dark", "next": PAGE})
    staff_client.post("/accounts/logout/")
    assert html_theme(staff_client.get("/accounts/login/")) == "dark"
    # Through htmx too; and the system's again forgets it.
    staff_client.force_login(make_staff("another"))
    staff_client.post("/accounts/theme/", {"theme": "light"}, headers={"HX-Request": "true"})
    staff_client.post("/accounts/logout/")
    assert html_theme(staff_client.get("/accounts/login/")) == "light"
    staff_client.force_login(make_staff("third"))
    staff_client.post("/accounts/theme/", {"theme": "system", "next": PAGE})
    staff_client.post("/accounts/logout/")
    assert html_theme(staff_client.get("/accounts/login/")) == "system"


def test_a_cookie_of_an_unknown_theme_is_the_systems(client):
    client.cookies["recordsadmin_theme"] = '"><script>'
    assert html_theme(client.get("/accounts/login/")) == "system"
