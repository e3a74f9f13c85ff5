"""Reading an uploaded file into a table: a CSV file (its encoding and delimiter found) or an
Excel workbook (its first sheet with data, read by python-calamine).

Both give the same ``Table``: the header cells and the data rows as text, numbered as a
spreadsheet numbers them, so everything after this module treats a workbook as a CSV file.
Excel's typed cells become the text a CSV export of them would hold: whole numbers without a
decimal point (a phone number stored as a number keeps all its digits), dates and times in ISO
form. Nothing here touches the database.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterator
from dataclasses import dataclass

from charset_normalizer import from_bytes
from django.core.exceptions import ValidationError
from python_calamine import CalamineError, CalamineWorkbook

CSV, EXCEL = "csv", "excel"
_SAMPLE_BYTES = 200_000
# The signatures of the workbooks calamine reads: .xlsx/.xlsm/.xlsb/.ods (zip) and .xls (OLE).
_WORKBOOK_STARTS = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")


@dataclass(frozen=True)
class FileFormat:
    """How a stored file is read: CSV with an encoding and a delimiter, or a workbook's sheet."""

    kind: str
    encoding: str = ""
    delimiter: str = ""
    sheet: str = ""


@dataclass(frozen=True)
class Table:
    """A file's header cells and an iterator over its non-blank data rows (number, cells)."""

    headers: list[str]
    rows: Iterator[tuple[int, list[str]]]


def file_format(data: bytes) -> FileFormat:
    """How to read an uploaded file; ValidationError if it is neither CSV nor a workbook."""
    if not data.strip():
        raise ValidationError("The file is empty.")
    if data.startswith(_WORKBOOK_STARTS):
        return FileFormat(kind=EXCEL, sheet=_sheet_name(data))
    decoded = _decode(data)
    return FileFormat(kind=CSV, encoding=decoded[0], delimiter=_guess_delimiter(decoded[1]))


def read_table(data: bytes, form: FileFormat) -> Table:
    """The header and the data rows of a file read as ``form`` says. Blank rows are left out."""
    if form.kind == EXCEL:
        return _workbook_table(data, form.sheet)
    text = data.decode(form.encoding).removeprefix("\ufeff")
    return _csv_table(text, form.delimiter)


# --- CSV -------------------------------------------------------------------------------------------


def _decode(data: bytes) -> tuple[str, str]:
    """(encoding, text) of a CSV file.

    UTF-8 (with or without a byte-order mark) and UTF-16 with a mark are read as such; anything
    else is handed to charset-normalizer, limited to the Western single-byte encodings that
    spreadsheets export (Windows-1252, Latin-1), because on short samples it otherwise guesses
    Central European code pages for German or French names.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif b"\x00" in data[:8192]:
        raise ValidationError(_NOT_A_TABLE)
    else:
        encoding = _guess_encoding(data)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        if encoding != "cp1252":
            raise ValidationError(
                f"The file could not be read as {encoding}; save it as UTF-8 CSV and try again."
            ) from None
        encoding, text = "latin-1", data.decode("latin-1")
    if "\x00" in text:
        raise ValidationError(_NOT_A_TABLE)
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise ValidationError("The file is empty.")
    return encoding, text


_NOT_A_TABLE = "This is not a CSV file or an Excel workbook: it holds other binary data."


def _guess_encoding(data: bytes) -> str:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    best = from_bytes(data[:_SAMPLE_BYTES], cp_isolation=["cp1252", "latin_1"]).best()
    if best is None:
        raise ValidationError("This is not a CSV file: its bytes are not text.")
    return "cp1252" if best.encoding == "cp1252" else "latin-1"


def _guess_delimiter(text: str) -> str:
    """Comma, semicolon or tab, whichever the header line holds most of (commas on a tie).

    The header line alone decides: data rows hold commas inside quoted names and addresses,
    which is where ``csv.Sniffer`` goes wrong on semicolon files.
    """
    header = text.split("\n", 1)[0]
    counts = {delimiter: header.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=lambda delimiter: (counts[delimiter], delimiter == ","))
    return best if counts[best] else ","


def _csv_table(text: str, delimiter: str) -> Table:
    """Rows numbered as a spreadsheet numbers them (the header is row 1), so a quoted line
    break inside a cell does not shift the numbers."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        headers = [cell.strip() for cell in next(reader, [])]
    except csv.Error as error:
        raise ValidationError(f"The first row could not be read: {error}.") from None
    if not any(headers):
        raise ValidationError("The first row must hold the column names; it is empty.")

    def rows() -> Iterator[tuple[int, list[str]]]:
        number = 1
        try:
            for cells in reader:
                number += 1
                if "".join(cells).strip():
                    yield number, cells
        except csv.Error as error:
            raise ValidationError(f"Row {number + 1} could not be read: {error}.") from None

    return Table(headers=headers, rows=rows())


# --- Excel -----------------------------------------------------------------------------------------


def _workbook(data: bytes) -> CalamineWorkbook:
    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(data))
    except (CalamineError, ValueError, OSError) as error:
        raise ValidationError(
            f"This looks like an Excel workbook but it could not be read ({error}). Open it "
            "in a spreadsheet and save it again as .xlsx or as CSV."
        ) from None


def _sheet_name(data: bytes) -> str:
    """The first sheet that holds cells (exports put the data on the first one)."""
    workbook = _workbook(data)
    for name in workbook.sheet_names:
        sheet = workbook.get_sheet_by_name(name)
        if sheet.height:
            return name
    raise ValidationError("The workbook's sheets are all empty.")


def _workbook_table(data: bytes, sheet_name: str) -> Table:
    sheet = _workbook(data).get_sheet_by_name(sheet_name)
    # Rows come from the top of the sheet, columns from the first used one: the row's index
    # is its spreadsheet number less one, whatever rows are empty above the header.
    rows = enumerate(sheet.iter_rows(), 1)
    for _, cells in rows:
        headers = [_cell_text(cell).strip() for cell in cells]
        if any(headers):
            break
    else:
        raise ValidationError("The workbook's first sheet is empty.")

    def data_rows() -> Iterator[tuple[int, list[str]]]:
        for number, cells in rows:
            texts = [_cell_text(cell) for cell in cells]
            if "".join(texts).strip():
                yield number, texts

    return Table(headers=headers, rows=data_rows())


def _cell_text(value: object) -> str:
    """A typed Excel cell as a CSV export of it would write it."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ", timespec="seconds" if value.second else "minutes")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if value is None:
        return ""
    return str(value)
