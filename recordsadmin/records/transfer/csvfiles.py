"""CSV files: reading an upload, and cells that a spreadsheet would run as formulas.

A cell that a spreadsheet would read as a formula (starting with = + - @ tab CR or NUL) gets a
leading `'` on the way out; every other cell is written as it is. An import takes that one
quote off again, so that an export imports as it was.

An upload is read as UTF-8 or UTF-16 when its byte order mark says so, otherwise as UTF-8 or as
the 8-bit encoding the user chose. Whatever it is read as, text with a NUL in it is refused:
PostgreSQL's text cannot hold NUL, and no spreadsheet puts one in a CSV.
"""

import codecs
import csv
import io

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 20_000


def neutralise(cell: str) -> str:
    """The cell as a spreadsheet will show it, never run it as a formula."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def unneutralise(cell: str) -> str:
    """An imported cell without the `'` that `neutralise` put in front of it, so that an
    exported file imports as it was exported. Only that one quote goes: a `'` before any other
    character is the cell's own. (A cell of the API's that itself began with `'=` comes back
    without its quote: the price of leaving every other cell byte-identical on export.)"""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS) else cell


class Line:
    """A file-like object whose write returns what it was given, for csv.writer per line."""

    def write(self, value: str) -> str:
        return value


class UploadError(Exception):
    """The file cannot be read as a CSV; the text says why."""


DETECT = "detect"
# The 8-bit encodings a spreadsheet user meets, that can't be told apart by looking at the
# bytes: Python's codec name → (its name in messages, its label in the upload form).
EIGHT_BIT_ENCODINGS = {
    "cp1252": ("Windows-1252", "Western European (Windows-1252)"),
    "iso-8859-1": ("ISO-8859-1", "Western European (ISO-8859-1)"),
    "iso-8859-15": ("ISO-8859-15", "Western European with € (ISO-8859-15)"),
    "mac-roman": ("Mac Roman", "Western European (Mac Roman)"),
    "cp1250": ("Windows-1250", "Central European (Windows-1250)"),
}
ENCODING_CHOICES = [(DETECT, "Detect (UTF-8 or UTF-16)")] + [
    (codec, label) for codec, (_name, label) in EIGHT_BIT_ENCODINGS.items()
]

# A byte order mark says the encoding for certain, so it wins over the user's choice.
# ("utf-16" reads the mark to learn the byte order; both codecs drop the mark.)
BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)

SAVE_AS_CSV = "Open it in the spreadsheet and save it as CSV UTF-8."
NOT_TEXT = "Choose a CSV file; from a spreadsheet, save it as CSV UTF-8."
# Files that are often chosen by mistake, by their first bytes: (signature, what it is, advice).
SIGNATURES = (
    (
        b"PK\x03\x04",
        "a zip archive, such as an Excel (.xlsx) or OpenDocument (.ods) workbook",
        SAVE_AS_CSV,
    ),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an Excel 97–2003 workbook (.xls)", SAVE_AS_CSV),
    (b"%PDF-", "a PDF document", NOT_TEXT),
    (b"\x89PNG\r\n\x1a\n", "a PNG image", NOT_TEXT),
    (b"\xff\xd8\xff", "a JPEG image", NOT_TEXT),
    (b"GIF87a", "a GIF image", NOT_TEXT),
    (b"GIF89a", "a GIF image", NOT_TEXT),
    (b"\x1f\x8b", "a gzip archive", NOT_TEXT),
)


def decode_upload(raw: bytes, encoding: str = DETECT) -> str:
    """The upload's text, once it reads as a CSV with a header and rows; UploadError says why
    it does not. `encoding` is DETECT or one of EIGHT_BIT_ENCODINGS."""
    if len(raw) > MAX_UPLOAD_BYTES:
        raise UploadError(f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.")
    text = decode_text(raw, encoding)
    header, rows = read_csv(text)
    unclosed = _unclosed_quote_line(text, _dialect(text))
    if unclosed:
        # A quote never closed takes the rest of the file into one cell, rows and all. (Only
        # at upload: a file stored before this check still reads as it did.)
        raise UploadError(
            f'A quote (") opened on line {unclosed:,} is never closed, so the rest of the '
            "file would be read as one value. Close it, or double a quote that is part of a "
            'value ("").'
        )
    if not header:
        raise UploadError("The file has no header row.")
    if not rows:
        raise UploadError("The file has a header row and no data rows.")
    return text


def decode_text(raw: bytes, encoding: str = DETECT) -> str:
    """The file's bytes as text without NUL: by its byte order mark, else as UTF-8 (DETECT) or
    the chosen 8-bit encoding. Positions in messages count bytes from 1."""
    if encoding != DETECT and encoding not in EIGHT_BIT_ENCODINGS:
        raise UploadError("Choose the file's encoding from the list.")
    for signature, what, advice in SIGNATURES:
        if raw.startswith(signature):
            raise UploadError(f"The file is {what}, not a CSV text file. {advice}")
    for mark, codec, name in BYTE_ORDER_MARKS:
        if raw.startswith(mark):
            text = _decode(raw, codec, name)
            break
    else:
        _refuse_nul_bytes(raw, encoding)
        text = _decode(raw, "utf-8" if encoding == DETECT else encoding, "")
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise UploadError(
            f"The file contains NUL characters (the first on line {line:,}), which a CSV file "
            "cannot hold. Remove them, or save the file again as CSV UTF-8."
        )
    return text


def _decode(raw: bytes, codec: str, bom_name: str) -> str:
    """`raw` decoded by `codec`; `bom_name` is the encoding a byte order mark named, if any."""
    try:
        return raw.decode(codec)
    except UnicodeDecodeError as error:
        byte, position, reason = raw[error.start], error.start + 1, error.reason
    if bom_name:
        # No line number: UTF-16's lines can't be counted by newline bytes.
        raise UploadError(
            f"The file starts with a {bom_name} byte order mark but is not valid {bom_name} "
            f"(position {position:,}: {reason}). Save it again as CSV UTF-8."
        )
    line = raw.count(b"\n", 0, position - 1) + 1
    where = f"byte 0x{byte:02X} on line {line:,}, at position {position:,},"
    if codec == "utf-8":
        raise UploadError(
            f"The file is not UTF-8 ({where} is not valid there). "
            "Save it as CSV UTF-8, or choose its encoding below."
        )
    name = EIGHT_BIT_ENCODINGS[codec][0]
    raise UploadError(
        f"The file is not {name}: {where} stands for no character in it. "
        "Choose the file's encoding below, or save it as CSV UTF-8."
    )


def _refuse_nul_bytes(raw: bytes, encoding: str) -> None:
    """Without a byte order mark, a NUL byte means UTF-16 without its mark, a binary file (when
    not UTF-8 under DETECT), or a text file with NULs in it: each is refused, saying which."""
    nul = raw.find(b"\x00")
    if nul < 0:
        return
    if _looks_like_utf16(raw):
        raise UploadError(
            "The file looks like UTF-16 without a byte order mark (a NUL byte beside each "
            "letter), so which of each pair of bytes comes first is unknown. Save it as CSV "
            "UTF-8."
        )
    if encoding == DETECT and not _is_utf8(raw):
        raise UploadError(
            f"The file is not a text file: it holds NUL bytes (the first at position "
            f"{nul + 1:,}) and is not UTF-8. {NOT_TEXT}"
        )
    line = raw.count(b"\n", 0, nul) + 1
    raise UploadError(
        f"The file contains NUL bytes (the first on line {line:,}, at position {nul + 1:,}), "
        "which a CSV file cannot hold. Remove them, or save the file again as CSV UTF-8."
    )


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _looks_like_utf16(raw: bytes) -> bool:
    """True when the first 4 KB has NUL bytes in about every other place and on one side only:
    the ASCII characters of UTF-16 text (a CSV's commas, digits and letters) look so."""
    sample = raw[:4096]
    pairs = len(sample) // 2
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    return pairs > 0 and max(even, odd) >= pairs / 4 and min(even, odd) <= max(even, odd) / 10


def _unclosed_quote_line(text: str, dialect) -> int:
    """The line on which a value whose quote is never closed starts; 0 when there is none.
    (The file is read as before whatever else the strict reading finds odd: a quote inside an
    unquoted value, say.)"""
    if dialect.quoting == csv.QUOTE_NONE:
        return 0
    reader = csv.reader(io.StringIO(text, newline=""), dialect, strict=True)
    start = 1
    try:
        while True:
            start = reader.line_num + 1
            next(reader)
    except StopIteration:
        return 0
    except csv.Error as error:
        return start if "unexpected end of data" in str(error) else 0


def _dialect(text: str):
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        return csv.excel


def read_csv(text: str) -> tuple[list[str], list[list[str]]]:
    dialect = _dialect(text)
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        lines = list(reader)
    except csv.Error as error:
        # Where it stopped: the line of the file the reader was on (a cell with line breaks
        # spans several).
        where = f"line {reader.line_num:,}"
        if "field larger than field limit" in str(error):
            raise UploadError(
                f"A cell on {where} is longer than {csv.field_size_limit():,} characters, "
                "more than any field takes (or a quote there is never closed)."
            ) from None
        raise UploadError(f"The file is not a valid CSV: {error} (on {where}).") from None
    lines = [line for line in lines if any(cell.strip() for cell in line)]
    if len(lines) > MAX_IMPORT_ROWS + 1:
        raise UploadError(f"The file has more than {MAX_IMPORT_ROWS:,} rows.")
    if not lines:
        return [], []
    return [h.strip() for h in lines[0]], lines[1:]
