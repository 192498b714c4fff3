"""Saved views: tabs above an object's table, and the small forms that save, rename, update,
delete them and choose the one the table opens on (templates/records/_saved_views.html).

Where a view is open, the address says so: `/objects/<key>/views/<id>/` followed by the
table's search. Its tab links to `open/`, which puts the view's columns in place (as the
user's layout of the table, what the column chooser changes) and goes to its search; from
there the table's own links (relative query strings) keep the view in the address while the
user sorts, pages or filters, and "Update" keeps that state in the view.
`/objects/<key>/` with nothing after it opens the user's default view; `/objects/<key>/all/`
is all records whatever the default.

Every form is a plain POST that answers with a redirect (a new page with a message) or, when
the input cannot be used, with the form again holding what was typed. With htmx, an error
comes back in the form's place, and the table's current search is read from the address the
browser shows (HX-Current-URL), since htmx redraws of the table do not redraw these forms.
"""

from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urlsplit

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from recordsadmin.accounts.preferences import preference_get, preference_set
from recordsadmin.client.domain import Schema
from recordsadmin.records.models import SavedView
from recordsadmin.records.services import saved_views as views_service
from recordsadmin.records.tables import TableLayout, preference_name

from .common import SeeOther, can_view, go, load_schema
from .problems import shows_api_errors, wants_partial

# The view whose tab takes focus on the next page, after a form changed it.
FOCUS_VIEW = "records:focus_view"
# A save or rename form that comes back without JavaScript: kept for the table page it returns
# to, which shows it open, with what was typed and why it cannot be used.
FORM_AGAIN = "records:view_form_again"
# The pages whose address holds the table's search (a posted form may read it there).
TABLE_PAGES = {"record_list", "record_list_all", "view_table"}


@dataclass(frozen=True)
class ViewForm:
    """The save or rename form (templates/records/_saved_view_form.html) as shown: what was
    typed and why it cannot be used, kept when it comes back."""

    mode: str  # "save" or "rename"
    action: str
    query: str
    name: str = ""
    shared: bool = False
    error: str = ""
    view: SavedView | None = None


@dataclass(frozen=True)
class Tab:
    view: SavedView
    url: str
    current: bool
    default: bool
    focus: bool


class TableViews:
    """The saved views around one object's table for one user: the tabs, the open view (from
    the address), what of it a changed schema dropped, and where each form posts."""

    def __init__(self, request: HttpRequest, schema: Schema, *, view_id: int | None) -> None:
        self.request, self.user, self.schema = request, request.user, schema
        self.current = _visible(request, schema, view_id) if view_id is not None else None

    def opens_default(self, *, all_records: bool) -> str:
        """Where the table goes instead when opened with nothing asked: the user's default
        view ("" for nowhere). Not for htmx, which only redraws a table already shown."""
        request = self.request
        if self.current or all_records or request.GET or request.htmx or self.default is None:
            return ""
        return open_url(self.schema, self.default)

    @cached_property
    def default(self) -> SavedView | None:
        return views_service.default_view_get(user=self.user, schema=self.schema)

    @cached_property
    def tabs(self) -> list[Tab]:
        focus = self.request.session.pop(FOCUS_VIEW, None)
        default = self.default.pk if self.default else None
        return [
            Tab(
                view=view,
                url=open_url(self.schema, view),
                current=self.current is not None and view.pk == self.current.pk,
                default=view.pk == default,
                focus=view.pk == focus,
            )
            for view in views_service.saved_view_list(user=self.user, schema=self.schema)
        ]

    @cached_property
    def can_change(self) -> bool:
        return self.current is not None and views_service.saved_view_can_change(
            user=self.user, view=self.current
        )

    @cached_property
    def dropped(self) -> list[str]:
        if self.current is None:
            return []
        return views_service.saved_view_dropped(schema=self.schema, view=self.current)

    @property
    def is_default(self) -> bool:
        return self.current is not None and self.default == self.current

    @property
    def query(self) -> str:
        """The table's search on this page, for the forms (the service reads it as the
        table does)."""
        return self.request.GET.urlencode()

    @cached_property
    def _again(self) -> dict:
        """The form a post without JavaScript sent back here (FORM_AGAIN), once."""
        kept = self.request.session.pop(FORM_AGAIN, None) if not self.request.htmx else None
        return kept if isinstance(kept, dict) and kept.get("schema") == self.schema.key else {}

    def _typed(self, mode: str) -> dict:
        again = self._again
        if again.get("mode") != mode:
            return {}
        return {"name": again.get("name", ""), "error": again.get("error", "")} | (
            {"shared": bool(again.get("shared"))} if mode == "save" else {}
        )

    @property
    def save_form(self) -> ViewForm:
        return ViewForm("save", self.create_url, self.query, **self._typed("save"))

    @property
    def rename_form(self) -> ViewForm:
        name = self.current.name if self.current else ""
        typed = {"name": name} | self._typed("rename")
        return ViewForm("rename", self.rename_url, self.query, view=self.current, **typed)

    @property
    def all_url(self) -> str:
        return reverse("records:record_list_all", args=[self.schema.key])

    @property
    def counts_url(self) -> str:
        return reverse("records:view_counts", args=[self.schema.key])

    @property
    def create_url(self) -> str:
        return reverse("records:view_create", args=[self.schema.key])

    def _of_current(self, name: str) -> str:
        return reverse(f"records:{name}", args=[self.schema.key, self.current.pk])

    @property
    def update_url(self) -> str:
        return self._of_current("view_update")

    @property
    def rename_url(self) -> str:
        return self._of_current("view_rename")

    @property
    def delete_url(self) -> str:
        return self._of_current("view_delete")

    @property
    def default_url(self) -> str:
        return self._of_current("view_default")

    @property
    def share_url(self) -> str:
        return self._of_current("view_share")

    @property
    def can_share(self) -> bool:
        return self.current is not None and views_service.saved_view_can_share(
            user=self.user, view=self.current
        )


class ViewMissing(Http404):
    """A saved view that is not there for the user: deleted, no longer shared, another's."""


def _visible(request: HttpRequest, schema: Schema, view_id: int) -> SavedView:
    try:
        return views_service.saved_view_get(user=request.user, schema=schema, view_id=view_id)
    except SavedView.DoesNotExist:
        raise ViewMissing(
            f"There is no saved view {view_id} of {schema.plural} that you can see."
        ) from None


def without_missing_view(request: HttpRequest, schema: Schema) -> HttpResponse:
    """Where a link to a saved view that is gone leads: the table with the link's search,
    and a word on why the view is not there (a bookmark, a colleague's link, an old tab)."""
    messages.warning(
        request,
        "That saved view is not there any more (deleted, or no longer shared with you): here "
        f"are the {schema.plural.lower()} without it.",
    )
    url = reverse("records:record_list", args=[schema.key])
    query = request.GET.urlencode()
    return go(request, f"{url}?{query}" if query else url)


def open_url(schema: Schema, view: SavedView) -> str:
    return reverse("records:view_open", args=[schema.key, view.pk])


def view_url(schema: Schema, view: SavedView, params: str = "") -> str:
    """The view's table page, showing the search `params` (a query string)."""
    params = params.removeprefix("?")
    base = reverse("records:view_table", args=[schema.key, view.pk])
    return f"{base}?{params}" if params else base


def table_page(schema: Schema, url: str) -> str:
    """`url`'s path when it is one of this object's table pages (all records, a view), else
    "": where a form about the table goes back to, or reads the table's search from."""
    path = urlsplit(url or "").path
    try:
        match = resolve(path)
    except Resolver404:
        return ""
    if match.url_name in TABLE_PAGES and match.kwargs.get("key") == schema.key:
        return path
    return ""


def _posted_state(request: HttpRequest, schema: Schema) -> str:
    """The table's search as the user sees it: the address htmx reports when it is one of
    this table's pages, else the form's `query` (drawn with the page, which without
    JavaScript is always the page shown)."""
    current = request.htmx.current_url if request.htmx else ""
    if current and table_page(schema, current):
        return urlsplit(current).query
    return request.POST.get("query", "").removeprefix("?")


def _layout(request: HttpRequest, schema: Schema) -> dict:
    """The user's columns of the table now, as the column chooser keeps them."""
    value = preference_get(user=request.user, name=preference_name(schema))
    return TableLayout.from_value(value).to_value()


def _changeable(request: HttpRequest, schema: Schema, view_id: int) -> SavedView:
    """The view, when the user may change it: else 404 (not theirs to see) or 403."""
    view = _visible(request, schema, view_id)
    refusal = views_service.saved_view_refusal(user=request.user, view=view)
    if refusal:
        raise PermissionDenied(refusal)
    return view


def _done(request: HttpRequest, url: str, text: str, view: SavedView | None = None):
    messages.success(request, text)
    if view is not None:
        request.session[FOCUS_VIEW] = view.pk
    return go(request, url)


def _form_again(request: HttpRequest, schema: Schema, form: ViewForm) -> HttpResponse:
    """The form with the message and what was typed: in its place for htmx; else back on the
    table page it was sent from (the table still shown), open, through the session."""
    if wants_partial(request):
        return render(request, "records/_saved_view_form.html", {"schema": schema, "form": form})
    kept = {"schema": schema.key, "mode": form.mode, "name": form.name[:500]}
    request.session[FORM_AGAIN] = kept | {"shared": form.shared, "error": form.error}
    params = form.query.removeprefix("?")
    if form.view is not None:
        return SeeOther(view_url(schema, form.view, params))
    if not params:  # the plain table's address would open the user's default view instead
        return SeeOther(reverse("records:record_list_all", args=[schema.key]))
    return SeeOther(reverse("records:record_list", args=[schema.key]) + "?" + params)


@require_POST
@can_view
@shows_api_errors(keeps_input=True)
def view_create(request: HttpRequest, key: str) -> HttpResponse:
    schema = load_schema(key)
    params = _posted_state(request, schema)
    name, shared = request.POST.get("name", ""), request.POST.get("shared") == "1"
    try:
        view = views_service.saved_view_create(
            user=request.user,
            schema=schema,
            name=name,
            shared=shared,
            params=params,
            columns=_layout(request, schema),
        )
    except views_service.ViewNameInvalid as error:
        action = reverse("records:view_create", args=[schema.key])
        form = ViewForm("save", action, params, name=name, shared=shared, error=str(error))
        return _form_again(request, schema, form)
    text = f"Saved the view “{view.name}”{' for everyone' if view.shared else ''}."
    return _done(request, view_url(schema, view, view.params), text, view)


# Where a browser says a request came from (Sec-Fetch-Site): this site, or the person
# (a bookmark, an address typed). A browser that does not say is taken to be one of these.
OWN_NAVIGATION = frozenset({"same-origin", "none"})


@require_http_methods(["GET", "POST"])
@can_view
@shows_api_errors
def view_open(request: HttpRequest, key: str, view_id: int) -> HttpResponse:
    """The view's columns become the user's, and the table shows its search. A GET from
    another site's link only asks first: the columns are the user's, changed by them."""
    schema = load_schema(key)
    try:
        view = _visible(request, schema, view_id)
    except ViewMissing:
        if request.method == "GET":
            return without_missing_view(request, schema)
        raise
    came_from = request.headers.get("Sec-Fetch-Site", "none")
    if request.method == "GET" and came_from not in OWN_NAVIGATION:
        context = {"schema": schema, "view": view}
        return render(request, "records/saved_view_confirm_open.html", context)
    layout = TableLayout.from_value(view.columns).to_value()
    preference_set(user=request.user, name=preference_name(schema), value=layout)
    query = views_service.saved_view_query(schema=schema, view=view)
    return SeeOther(view_url(schema, view, query.params()))


@require_POST
@can_view
@shows_api_errors(keeps_input=True)
def view_update(request: HttpRequest, key: str, view_id: int) -> HttpResponse:
    schema = load_schema(key)
    view = _changeable(request, schema, view_id)
    views_service.saved_view_update(
        user=request.user,
        schema=schema,
        view=view,
        params=_posted_state(request, schema),
        columns=_layout(request, schema),
    )
    text = f"“{view.name}” now keeps this search and these columns."
    return _done(request, view_url(schema, view, view.params), text, view)


@require_POST
@can_view
@shows_api_errors(keeps_input=True)
def view_rename(request: HttpRequest, key: str, view_id: int) -> HttpResponse:
    schema = load_schema(key)
    view = _changeable(request, schema, view_id)
    old, name, params = view.name, request.POST.get("name", ""), _posted_state(request, schema)
    try:
        views_service.saved_view_rename(user=request.user, schema=schema, view=view, name=name)
    except views_service.ViewNameInvalid as error:
        view.name = old
        action = reverse("records:view_rename", args=[schema.key, view.pk])
        form = ViewForm("rename", action, params, name=name, error=str(error), view=view)
        return _form_again(request, schema, form)
    return _done(
        request, view_url(schema, view, params), f"Renamed “{old}” to “{view.name}”.", view
    )


@require_POST
@can_view
@shows_api_errors
def view_share(request: HttpRequest, key: str, view_id: int) -> HttpResponse:
    """`shared=1`: everyone who sees the object's table sees the view; `shared=0`: its owner
    alone again. Only the owner may; a name taken among the views it would join is said."""
    schema = load_schema(key)
    view = _visible(request, schema, view_id)
    shared = request.POST.get("shared") == "1"
    url = view_url(schema, view, _posted_state(request, schema))
    try:
        views_service.saved_view_share(user=request.user, schema=schema, view=view, shared=shared)
    except views_service.ViewNotAllowed as refusal:
        raise PermissionDenied(str(refusal)) from None
    except views_service.ViewNameInvalid as error:
        messages.error(request, f"“{view.name}” was not changed: {error} Rename it first.")
        return go(request, url)
    if shared:
        text = f"“{view.name}” is shared with everyone who sees {schema.plural.lower()}."
    else:
        text = f"“{view.name}” is yours alone again."
    return _done(request, url, text, view)


@require_http_methods(["GET", "POST"])
@can_view
@shows_api_errors
def view_delete(request: HttpRequest, key: str, view_id: int) -> HttpResponse:
    """A page that asks first (GET); the view goes with the POST."""
    schema = load_schema(key)
    view = _changeable(request, schema, view_id)
    if request.method == "GET":
        context = {"schema": schema, "view": view, "back": view_url(schema, view, view.params)}
        return render(request, "records/saved_view_confirm_delete.html", context)
    name = view.name
    views_service.saved_view_delete(user=request.user, view=view)
    all_url = reverse("records:record_list_all", args=[schema.key])
    return _done(request, all_url, f"Deleted the view “{name}”.")


@require_POST
@can_view
@shows_api_errors
def view_default(request: HttpRequest, key: str, view_id: int) -> HttpResponse:
    """`default=1`: the table opens on this view from now on; `default=0`: on all records."""
    schema = load_schema(key)
    view = _visible(request, schema, view_id)
    chosen = request.POST.get("default") == "1"
    views_service.default_view_set(user=request.user, schema=schema, view=view if chosen else None)
    if chosen:
        text = f"{schema.plural} now open on “{view.name}”."
    else:
        text = f"{schema.plural} now open on all records."
    return _done(request, view_url(schema, view, _posted_state(request, schema)), text, view)


@require_GET
@can_view
@shows_api_errors
def view_counts(request: HttpRequest, key: str) -> HttpResponse:
    """Each saved view's record count, asked for by its tabs once the page is shown: htmx
    puts each number in its tab; without it, a page lists them."""
    schema = load_schema(key)
    views = views_service.saved_view_list(user=request.user, schema=schema)
    found = views_service.saved_view_counts(schema=schema, views=views)
    context = {
        "schema": schema,
        "counts": [(view, found.counts.get(view.pk)) for view in views],
        "not_counted": found.not_counted,
    }
    if wants_partial(request):
        return render(request, "records/_saved_view_counts.html", context)
    return render(request, "records/saved_view_counts.html", context)
