"""Reading a CSV file into records with line numbers: decoding, size and header checks.

UTF-8 with or without a byte-order mark, LF, CRLF or CR line ends. A file that is not such text,
or whose header cannot be mapped to patient fields, is refused as a whole (InvalidInput with the
line). A record the CSV reader cannot parse (an unclosed quote, a cell past the reader's limit)
comes back with its problem and reading goes on at the next line.
"""

import codecs
import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from mild_desk.errors import InvalidInput
from mild_desk.services.files import why

MAX_IMPORT_BYTES = 8 * 1024 * 1024
"""A referral file of many thousand rows is well under this; anything larger is refused."""

FIELDS = (
    "mrn",
    "first_name",
    "last_name",
    "dob",
    "phone",
    "preferred_language",
    "referring_physician",
    "allergies",
    "diabetic",
    "pregnancy_possible",
)
"""Patient fields a CSV carries, in export order (the export's header is exactly these)."""

UPDATE = "update"
"""The control column: yes on a row lets it change a patient already on file."""

_ALIASES: dict[str, tuple[str, ...]] = {
    "mrn": ("mrn", "medical_record_number", "patient_mrn", "mrn_number", "record_number"),
    "first_name": ("first", "first_name", "firstname", "given", "given_name"),
    "last_name": ("last", "last_name", "lastname", "surname", "family", "family_name"),
    "dob": ("dob", "d_o_b", "date_of_birth", "birth_date", "birthdate"),
    "phone": ("phone", "phone_number", "telephone", "tel"),
    "preferred_language": ("preferred_language", "language", "lang"),
    "referring_physician": (
        "referring_physician",
        "referring",
        "referring_provider",
        "referring_doctor",
        "referred_by",
    ),
    "allergies": ("allergies",),
    "diabetic": ("diabetic",),
    "pregnancy_possible": ("pregnancy_possible",),
    UPDATE: ("update", "update_existing"),
}

_HEADER_TO_FIELD = {alias: field for field, aliases in _ALIASES.items() for alias in aliases}


@dataclass(frozen=True, slots=True)
class Record:
    """One data record of a CSV file: its first line and cells, or why it could not be read."""

    line: int
    cells: tuple[str, ...]
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class Table:
    """A decoded CSV file: the header, each column's field (None: a column without a name)."""

    headers: tuple[str, ...]
    fields: tuple[str | None, ...]
    records: tuple[Record, ...]


def read_file(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise InvalidInput(f"{str(path)!r} is a folder, not a CSV file", field="file")
        if size > MAX_IMPORT_BYTES:
            raise InvalidInput(
                f"{path.name!r} is {size:,} bytes; the limit is {MAX_IMPORT_BYTES:,}", field="file"
            )
        return path.read_bytes()
    except FileNotFoundError:
        raise InvalidInput(f"{str(path)!r} does not exist", field="file") from None
    except (OSError, ValueError) as exc:  # no permission, a name too long, a NUL byte
        raise InvalidInput(f"cannot read {str(path)!r}: {why(exc)}", field="file") from None


def read_table(data: bytes) -> Table:
    """Decode and split a CSV file; refuses (InvalidInput, with a line number) a file that is
    not UTF-8 text or whose header cannot be mapped. Records the reader cannot parse come back
    with a `problem` (the rest of the file is still read)."""
    reader = csv.reader(io.StringIO(decode(data), newline=""), strict=True)
    header: list[str] | None = None
    records: list[Record] = []
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            if header is None:
                raise InvalidInput(f"line {line}: {_csv_problem(exc)}", field="header") from None
            records.append(Record(line, (), _csv_problem(exc)))
            continue
        if not any(cell.strip() for cell in cells):
            continue
        if header is None:
            header = cells
            continue
        records.append(Record(line, tuple(cells)))
    if header is None:
        raise InvalidInput("the file is empty", field="file")
    return Table(tuple(header), map_header(header), tuple(records))


def decode(data: bytes) -> str:
    body = data.removeprefix(codecs.BOM_UTF8)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InvalidInput("line 1: the file is UTF-16 text; save it as CSV UTF-8", field="file")
    if data.startswith(b"PK\x03\x04"):
        raise InvalidInput(
            "line 1: this is a workbook or a zip archive, not CSV; save it as CSV UTF-8",
            field="file",
        )
    nul = body.find(b"\x00")
    if nul >= 0:
        raise InvalidInput(
            f"line {_line_at(body, nul)}: the file holds binary data (a NUL byte), not CSV text",
            field="file",
        )
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"line {_line_at(body, exc.start)}: byte 0x{body[exc.start]:02X} is not UTF-8 text; "
            "save the file as CSV UTF-8",
            field="file",
        ) from None


def map_header(headers: list[str]) -> tuple[str | None, ...]:
    """Each header's field; refuses an unknown, duplicated or missing column (line 1)."""
    fields: list[str | None] = []
    seen: dict[str, str] = {}
    for header in headers:
        key = re.sub(r"[^a-z0-9]+", "_", header.strip().lower()).strip("_")
        if not key:
            fields.append(None)
            continue
        field = _HEADER_TO_FIELD.get(key)
        if field is None:
            raise InvalidInput(
                f"line 1: unknown column {header.strip()!r} (known: {', '.join(_ALIASES)})",
                field="header",
            )
        if field in seen:
            raise InvalidInput(
                f"line 1: columns {seen[field]!r} and {header.strip()!r} both mean {field}",
                field="header",
            )
        seen[field] = header.strip()
        fields.append(field)
    if "mrn" not in seen:
        raise InvalidInput("line 1: there is no MRN column", field="header")
    return tuple(fields)


def _csv_problem(exc: csv.Error) -> str:
    text = str(exc)
    if text.startswith("field larger than field limit"):
        limit = csv.field_size_limit()
        return f"a cell is longer than {limit:,} characters (is a closing quote missing?)"
    if text == "unexpected end of data":
        return "a quoted cell is never closed"
    return f"not valid CSV ({text})"


def _line_at(data: bytes, offset: int) -> int:
    """The 1-based line of a byte offset, counting LF, CRLF and lone CR as line ends."""
    head = data[:offset]
    return head.count(b"\n") + head.count(b"\r") - head.count(b"\r\n") + 1
