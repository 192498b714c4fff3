"""CSV uploads in each encoding a spreadsheet writes, and the files that are refused, by
decode_upload and through the upload page (scripts/test-postgres runs this file on PostgreSQL,
whose text refuses NUL)."""

import codecs
import html
import io

import pytest

from recordsadmin.records.models import ImportUpload
from recordsadmin.records.transfer import csvfiles
from recordsadmin.records.transfer.csvfiles import UploadError, decode_upload
from tests.bulk.conftest import KEY

UPLOAD = f"/objects/{KEY}/import/"


def homes(address: str) -> str:
    return f"Address,Price\n{address},100000\n2 Plain St,200000\n"


# (what the file is, its bytes, the text it reads as) under "Detect". The house emoji is a
# surrogate pair in UTF-16.
DETECTED = [
    ("UTF-8", homes("1 Café € Šumava 🏠").encode("utf-8"), homes("1 Café € Šumava 🏠")),
    ("UTF-8 with BOM", codecs.BOM_UTF8 + homes("1 Café €").encode(), homes("1 Café €")),
    ("UTF-16 LE with BOM", homes("1 Café € 🏠").encode("utf-16"), homes("1 Café € 🏠")),
    (
        "UTF-16 BE with BOM",
        codecs.BOM_UTF16_BE + homes("1 Café € 🏠").encode("utf-16-be"),
        homes("1 Café € 🏠"),
    ),
]
# (chosen encoding, an address in it): each has a character that Windows-1252, the old
# fallback, reads as another one, except ISO-8859-1's, which only a choice lets in now.
CHOSEN = [
    ("cp1252", "1 Café €5"),
    ("iso-8859-1", "1 Café Zoë"),
    ("iso-8859-15", "1 Škoda €5"),
    ("mac-roman", "1 Café €5"),
    ("cp1250", "1 Łódź €5"),
]
UTF16_WITHOUT_BOM = "looks like UTF-16 without a byte order mark"
XLSX = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00[Content_Types].xml\x00\x00\xff\xfe"
# (what the file is, its bytes, the encoding chosen, the message that refuses it)
REFUSED = [
    (
        "UTF-16 LE without BOM",
        homes("1 Café").encode("utf-16-le"),
        csvfiles.DETECT,
        UTF16_WITHOUT_BOM,
    ),
    (
        "UTF-16 BE without BOM, Windows-1252 chosen",
        homes("1 Café").encode("utf-16-be"),
        "cp1252",
        UTF16_WITHOUT_BOM,
    ),
    (
        "an .xlsx workbook",
        XLSX,
        csvfiles.DETECT,
        "The file is a zip archive, such as an Excel (.xlsx) or OpenDocument (.ods) workbook, "
        "not a CSV text file. Open it in the spreadsheet and save it as CSV UTF-8.",
    ),
    ("an .xlsx workbook, Mac Roman chosen", XLSX, "mac-roman", "such as an Excel (.xlsx)"),
    (
        "a PNG image",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        csvfiles.DETECT,
        "The file is a PNG image, not a CSV text file.",
    ),
    (
        "binary without a known signature",
        b"\x07\x00\x93\xff\x00\x00\x01\xfe\xc3\x00\x12\x00\x00\x80",
        csvfiles.DETECT,
        "The file is not a text file: it holds NUL bytes (the first at position 2) and is "
        "not UTF-8.",
    ),
    (
        "NUL in UTF-8",
        b"Address,Price\n1 Caf\xc3\xa9\x00 St,100000\n",
        csvfiles.DETECT,
        "The file contains NUL bytes (the first on line 2, at position 22), which a CSV file "
        "cannot hold.",
    ),
    (
        "NUL in Windows-1252, chosen",
        b"Address,Price\n1 Caf\xe9\x00 St,100000\n",
        "cp1252",
        "The file contains NUL bytes (the first on line 2, at position 21)",
    ),
    (
        "NUL in UTF-16 with BOM",
        homes("1 Café\x00").encode("utf-16"),
        csvfiles.DETECT,
        "The file contains NUL characters (the first on line 2), which a CSV file cannot hold.",
    ),
    (
        "Windows-1252 under Detect",
        homes("1 Café").encode("cp1252"),
        csvfiles.DETECT,
        "The file is not UTF-8 (byte 0xE9 on line 2, at position 20, is not valid there). "
        "Save it as CSV UTF-8, or choose its encoding below.",
    ),
    (
        "a byte Windows-1252 has no character for",
        b"Address,Price\n1 Caf\x81,100000\n",
        "cp1252",
        "The file is not Windows-1252: byte 0x81 on line 2, at position 20, stands for no "
        "character in it. Choose the file's encoding below, or save it as CSV UTF-8.",
    ),
    (
        "UTF-16 with BOM cut in the middle of a character",
        homes("1 Café").encode("utf-16")[:-1],
        csvfiles.DETECT,
        "The file starts with a UTF-16 byte order mark but is not valid UTF-16",
    ),
    ("an encoding not on the list", homes("1 Café").encode(), "utf-7", "from the list"),
]


def ids(cases) -> list[str]:
    return [case[0] for case in cases]


# -- decode_upload -----------------------------------------------------------------------------


@pytest.mark.parametrize(("_what", "raw", "text"), DETECTED, ids=ids(DETECTED))
def test_detect_reads_utf8_and_utf16_with_its_byte_order_mark(_what, raw, text):
    assert decode_upload(raw) == text
    assert decode_upload(raw, csvfiles.DETECT) == text


WITH_BOM = DETECTED[1:]


@pytest.mark.parametrize(("_what", "raw", "text"), WITH_BOM, ids=ids(WITH_BOM))
def test_a_byte_order_mark_wins_over_a_chosen_8_bit_encoding(_what, raw, text):
    assert decode_upload(raw, "cp1252") == text


@pytest.mark.parametrize(("encoding", "address"), CHOSEN, ids=ids(CHOSEN))
def test_a_chosen_8_bit_encoding_reads_its_characters(encoding, address):
    raw = homes(address).encode(encoding)
    assert decode_upload(raw, encoding) == homes(address)
    with pytest.raises(UploadError, match="The file is not UTF-8"):
        decode_upload(raw)


def test_the_form_offers_detect_first_then_each_8_bit_encoding():
    assert csvfiles.ENCODING_CHOICES[0] == (csvfiles.DETECT, "Detect (UTF-8 or UTF-16)")
    assert [value for value, _label in csvfiles.ENCODING_CHOICES[1:]] == [e for e, _a in CHOSEN]


@pytest.mark.parametrize(("_what", "raw", "encoding", "message"), REFUSED, ids=ids(REFUSED))
def test_files_of_no_readable_encoding_are_refused_saying_why(_what, raw, encoding, message):
    with pytest.raises(UploadError) as refused:
        decode_upload(raw, encoding)
    assert message in str(refused.value)


# -- the upload page ---------------------------------------------------------------------------


def post(client, raw: bytes, encoding: str):
    file = io.BytesIO(raw)
    file.name = "homes.csv"
    return client.post(UPLOAD, {"file": file, "encoding": encoding})


def page(response) -> str:
    return html.unescape(response.content.decode())


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("_what", "raw", "encoding", "text"),
    [(what, raw, csvfiles.DETECT, text) for what, raw, text in DETECTED]
    + [(e, homes(a).encode(e), e, homes(a)) for e, a in CHOSEN],
    ids=ids(DETECTED) + ids(CHOSEN),
)
def test_an_upload_in_each_encoding_shows_its_columns_as_written(
    records_api, staff_client, _what, raw, encoding, text
):
    records_api(records=0)
    response = post(staff_client, raw, encoding)
    assert response.status_code == 302
    assert ImportUpload.objects.get().content == text
    mapping = page(staff_client.get(response["Location"]))
    address = text.splitlines()[1].split(",")[0]
    assert f"<td>{address}</td>" in mapping


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("_what", "raw", "encoding", "message"), REFUSED, ids=ids(REFUSED))
def test_an_unreadable_upload_is_refused_on_the_page_and_nothing_is_stored(
    records_api, staff_client, _what, raw, encoding, message
):
    records_api(records=0)
    response = post(staff_client, raw, encoding)
    assert response.status_code == 200
    text = page(response)
    assert 'role="alert" id="import-error"' in text and message in text
    assert 'aria-describedby="import-error import-file-help" aria-invalid="true"' in text
    assert not ImportUpload.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_encoding_select_has_a_label_help_and_keeps_the_choice(records_api, staff_client):
    records_api(records=0)
    blank = page(staff_client.get(UPLOAD))
    assert '<label for="import-encoding">Encoding</label>' in blank
    assert 'id="import-encoding" name="encoding" aria-describedby="import-encoding-help"' in blank
    assert 'id="import-encoding-help"' in blank
    assert '<option value="detect" selected>Detect (UTF-8 or UTF-16)</option>' in blank
    assert '<option value="cp1252">Western European (Windows-1252)</option>' in blank
    assert 'aria-invalid="true"' not in blank
    refused = page(post(staff_client, b"Address\n1 Caf\x81\n", "cp1250"))
    assert "The file is not Windows-1250: byte 0x81" in refused
    assert '<option value="cp1250" selected>Central European (Windows-1250)</option>' in refused
