"""How an import reads dates and lists, says what it refuses, and shows what it will send."""

import io
import re

import pytest
from django.core.exceptions import ValidationError

from recordsadmin.records import fieldtypes
from recordsadmin.records.models import ImportUpload
from recordsadmin.records.transfer import csvfiles, imports
from tests.bulk.conftest import KEY
from tests.support import schemas

DATE = schemas.one_field("DATE", key="listed_on", name="Listed on")
FEATURES = schemas.one_field(
    "MULTIPLE_OPTIONS", (("pool", "Pool"), ("garage", "Garage")), key="features", name="Features"
)
# An option whose label holds a comma: "A, B" could be that one option, so only ";" separates.
COLOURS = schemas.one_field(
    "CHECKBOX", (("dark_red", "Red, dark"), ("blue", "Blue")), key="colours", name="Colours"
)


def refusal(kind, text: str, **how) -> str:
    with pytest.raises(ValidationError) as caught:
        kind.csv_in(text, **how)
    return " ".join(caught.value.messages)


@pytest.mark.parametrize(
    ("text", "order"),
    [("2026-02-15", "ymd"), ("02/15/2026", "mdy"), ("15/02/2026", "dmy"), ("2026-02-15", "dmy")],
)
def test_a_date_is_read_in_the_chosen_order_and_in_iso(text, order):
    assert fieldtypes.of(DATE).csv_in(text, day_order=order) == "2026-02-15"


def test_a_refused_date_names_the_formats_it_is_read_in():
    date = fieldtypes.of(DATE)
    said = refusal(date, "02/15/2026")
    assert said.startswith("Enter a date as year-month-day (2026-02-15).")
    assert "reads as month/day/year: choose it under “Dates are written as”" in said
    said = refusal(date, "15/02/2026", day_order="mdy")
    assert "month/day/year (02/15/2026) or year-month-day (2026-02-15)" in said
    assert "reads as day/month/year" in said
    assert refusal(date, "soon", day_order="dmy") == (
        "Enter a date as day/month/year (15/02/2026) or year-month-day (2026-02-15)."
    )


def test_options_are_separated_by_semicolon_or_comma_where_that_is_unambiguous():
    features = fieldtypes.of(FEATURES)
    assert features.csv_in("Pool, Garage") == ["pool", "garage"]
    assert features.csv_in("pool;garage") == ["pool", "garage"]
    assert "Separate several options with “;” or “,”." in refusal(features, "Pool, Sauna")
    colours = fieldtypes.of(COLOURS)
    assert colours.csv_in("Red, dark; Blue") == ["dark_red", "blue"]
    said = refusal(colours, "Blue, Red")
    assert "Separate several options with “;” (a comma does not separate them here" in said


def test_a_value_that_is_no_option_is_refused_naming_the_fields_options():
    status = fieldtypes.of(
        schemas.one_field(
            "SINGLE_OPTIONS",
            (("active", "Active"), ("sold", "Sold 100%")),
            key="status",
            name="Status",
        )
    )
    assert refusal(status, "Foreclosed") == (
        "“Foreclosed” is not an option of Status: Active, Sold 100%."
    )
    assert refusal(fieldtypes.of(FEATURES), "Pool; Sauna").startswith(
        "“Sauna” is not an option of Features: Pool, Garage."
    )


def test_values_are_shown_as_a_person_writes_them():
    assert fieldtypes.of(FEATURES).csv_shown(["pool", "garage"]) == "Pool; Garage"
    date = fieldtypes.of(DATE)
    assert date.csv_shown("2026-02-15", day_order="mdy") == "02/15/2026 (Feb 15, 2026)"
    assert date.csv_shown("2026-02-15", day_order="dmy") == "15/02/2026 (Feb 15, 2026)"


US_CSV = (
    "Address,Price,Status,Listed on,Features\n"
    '1 Elm St,100000,Active,02/15/2026,"Pool, Garage"\n'
    "2 Elm St,200000,Active,03/01/2026,Pool\n"
)


@pytest.mark.django_db(transaction=True)
def test_the_map_page_reads_us_dates_and_comma_lists_and_shows_them_as_written(
    records_api, staff_client
):
    records_api(records=0)
    page = uploaded_us_csv(staff_client)
    html = staff_client.get(page).content.decode()
    assert '<label for="day-order">Dates are written as</label>' in html
    for value, label in (("ymd", "year-month-day"), ("mdy", "month/day/year")):
        assert f'<option value="{value}"' in html and label in html
    form = {"col0": "address", "col1": "price", "col2": "status", "col3": "listed_on"}
    form |= {"col4": "features", "mode": "create", "keep_blanks": "1"}
    # Read as year-month-day, the US dates are refused, and the error says how to read them.
    html = staff_client.post(page, {**form, "day_order": "ymd"}).content.decode()
    assert "0 rows ready, 2 with errors" in html
    assert "Listed on: Enter a date as year-month-day (2026-02-15)." in html
    assert 'class="records-table import-errors wraps"' in html  # read whole (static/css/bulk.css)
    # Read as month/day/year: ready, and shown as the file writes them, not as Python.
    html = staff_client.post(page, {**form, "day_order": "mdy"}).content.decode()
    assert "2 rows ready, 0 with errors" in html
    assert "<td>Pool; Garage</td>" in html and "<td>02/15/2026 (Feb 15, 2026)</td>" in html
    assert "[&#x27;pool" not in html and "['pool" not in html
    assert ImportUpload.objects.get().options["day_order"] == "mdy"


# -- the file's shape ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('address,price\n"Unclosed, 100\n12 Elm,200\n', 2),
        ('address,price\n1 Oak,1\n2 Elm,"200\n3 Ash,300\n', 3),
    ],
)
def test_a_quote_never_closed_is_refused_at_upload_naming_its_line(text, line):
    # Read as it stands, the rest of the file would be one value: rows lost without a word.
    with pytest.raises(csvfiles.UploadError) as caught:
        csvfiles.decode_upload(text.encode())
    assert f"opened on line {line} is never closed" in str(caught.value)
    # A file stored before the check (its report, its map) still reads as it did.
    assert csvfiles.read_csv(text)[0] == ["address", "price"]


def test_a_cell_longer_than_any_field_takes_is_refused_naming_its_line():
    text = "address,price\n1 Oak,1\n2 Elm," + "9" * 200_000 + "\n"
    with pytest.raises(csvfiles.UploadError) as caught:
        csvfiles.read_csv(text)
    assert str(caught.value).startswith("A cell on line 3 is longer than 131,072 characters")


def test_quotes_inside_values_are_read_as_before():
    text = 'address,note\n5" TV,1\n"a ""b""",2\n'
    assert csvfiles.decode_upload(text.encode()) == text
    header, rows = csvfiles.read_csv(text)
    assert header == ["address", "note"] and rows == [['5" TV', "1"], ['a "b"', "2"]]


def test_a_row_with_values_past_the_headers_columns_is_not_imported():
    options = imports.ImportOptions(mapping=["listed_on"])
    rows = [["2026-02-15", "", " "], ["2026-02-16", "moved"]]
    schema = schemas.schema_of_fields([schemas.field("listed_on", "DATE", name="Listed on")])
    first, second = imports.check_rows(schema=schema, rows=rows, options=options, users=[])
    assert first.ok  # empty cells past the header: nothing lost
    assert second.errors == [
        "This row has 2 cells, the header 1: is there a separator (a comma, say) in a value "
        "that is not in quotes?"
    ]


def test_two_columns_mapped_to_one_field_are_named_by_the_fields_name():
    schema = schemas.schema_of_fields([schemas.field("listed_on", "DATE", name="Listed on")])
    options = imports.ImportOptions(mapping=["listed_on", "listed_on", ""])
    assert options.problems(schema) == [
        "Several columns are mapped to “Listed on”: map each field from one column."
    ]


def test_rows_that_repeat_an_earlier_one_are_found_by_their_numbers():
    rows = [["1 Oak", "1"], ["2 Elm", "2"], [" 1 Oak ", "1"], ["2 Elm", "3"], ["1 Oak", "1"]]
    assert imports.repeated_rows(rows) == [(2, 4), (2, 6)]
    assert imports.repeated_rows([["a"]] * 10, most=2) == [(2, 3), (2, 4)]


def uploaded_us_csv(client) -> str:
    """US_CSV uploaded: its map page's address."""
    file = io.BytesIO(US_CSV.encode())
    file.name = "us.csv"
    client.post(f"/objects/{KEY}/import/", {"file": file})
    return f"/imports/{ImportUpload.objects.get().pk}/"


def test_what_stops_the_check_is_said_above_the_form_with_focus_on_it(records_api, staff_client):
    records_api(records=0)
    page = uploaded_us_csv(staff_client)
    # No column for Status, which a new record needs.
    form = {"col0": "address", "col1": "price", "col2": "", "col3": "", "col4": ""}
    html = staff_client.post(page, {**form, "mode": "create", "day_order": "mdy"}).content.decode()
    summary = '<div class="error-summary alert alert--error" role="alert" tabindex="-1" autofocus'
    assert summary in html
    assert html.index(summary) < html.index('id="import-map"')
    assert '<li id="import-problem-1"><a href="#col0">Creating records needs a column' in html


def test_each_map_problem_is_tied_to_the_lists_it_is_about(records_api, staff_client):
    """Linked from the summary, and named by the lists (aria-describedby, aria-invalid) of the
    columns mapped to one field twice."""
    records_api(records=0)
    page = uploaded_us_csv(staff_client)
    form = {"col0": "address", "col1": "address", "col2": "status", "col3": "", "col4": "price"}
    html = staff_client.post(page, {**form, "mode": "create", "day_order": "mdy"}).content.decode()
    assert '<li id="import-problem-1"><a href="#col0">Several columns are mapped to' in html
    for n in (0, 1):
        assert re.search(
            rf'<select id="col{n}" name="col{n}" aria-invalid="true" '
            r'aria-describedby="import-problem-1"',
            html,
        ), n
    assert '<select id="col2" name="col2">' in html


@pytest.mark.parametrize(
    ("permissions", "mode"), [(("change_record",), "update_id"), ((), "create")]
)
def test_a_file_with_record_ids_starts_as_an_update_of_those_records(
    records_api, client, permissions, mode
):
    """An exported file (its id column maps to Record id) is about the records it names:
    creating would copy each, so the page starts from updating by id, for whoever may."""
    from tests.conftest import PASSWORD, make_staff

    records_api(records=0)
    make_staff("importer", "view_record", "add_record", *permissions)
    client.login(username="importer", password=PASSWORD)
    file = io.BytesIO(b"id,Address\n0123456789abcdef01234567,1 Elm Street\n")
    file.name = "export.csv"
    client.post(f"/objects/{KEY}/import/", {"file": file})
    html = client.get(f"/imports/{ImportUpload.objects.get().pk}/").content.decode()
    assert '<option value="id" selected>' in html
    assert f'name="mode" value="{mode}" checked' in html
