"""CSV files: reading an upload, and cells that a spreadsheet would run as formulas.

A cell that a spreadsheet would read as a formula (starting with = + - @ tab CR or NUL) gets a
leading `'` on the way out; every other cell is written as it is. An import takes that one
quote off again, so that an export imports as it was.
"""

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


def decode_upload(raw: bytes) -> str:
    if len(raw) > MAX_UPLOAD_BYTES:
        raise UploadError(f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover (cp1252 decodes almost anything)
        raise UploadError("The file is not text in UTF-8.")
    header, rows = read_csv(text)
    if not header:
        raise UploadError("The file has no header row.")
    if not rows:
        raise UploadError("The file has a header row and no data rows.")
    return text


def read_csv(text: str) -> tuple[list[str], list[list[str]]]:
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        lines = list(csv.reader(io.StringIO(text, newline=""), dialect))
    except csv.Error as error:
        raise UploadError(f"The file is not a valid CSV: {error}") from None
    lines = [line for line in lines if any(cell.strip() for cell in line)]
    if len(lines) > MAX_IMPORT_ROWS + 1:
        raise UploadError(f"The file has more than {MAX_IMPORT_ROWS:,} rows.")
    if not lines:
        return [], []
    return [h.strip() for h in lines[0]], lines[1:]
