"""Reading a patient CSV without a database: decoding, header mapping and record line numbers."""

import codecs

import pytest

from mild_desk.errors import InvalidInput
from mild_desk.services.interop.csv_table import FIELDS, UPDATE, map_header, read_table


def test_bom_crlf_and_header_spellings_are_read() -> None:
    data = (
        codecs.BOM_UTF8
        + (
            "MRN,First Name,LAST,Date of Birth,Phone #,Language,Referring,Update\r\n"
            "A1,Zoë,Nguyễn,1950-01-02,555-0100,es,Dr. Wu,yes\r\n"
        ).encode()
    )
    table = read_table(data)
    assert table.fields == (
        "mrn",
        "first_name",
        "last_name",
        "dob",
        "phone",
        "preferred_language",
        "referring_physician",
        UPDATE,
    )
    assert table.headers[0] == "MRN"  # the byte-order mark is not part of the first header
    assert [(r.line, r.cells[:3]) for r in table.records] == [(2, ("A1", "Zoë", "Nguyễn"))]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_line_numbers_count_every_line_ending_and_multi_line_cells(newline: str) -> None:
    text = newline.join(
        [
            "mrn,first,last,dob,allergies",
            "A1,Ann,Lee,1950-01-01,latex",
            "",
            f'A2,Bob,Ray,1950-01-01,"penicillin{newline}(rash)"',
            "A3,Cy,Day,1950-01-01,",
            "",
        ]
    )
    table = read_table(text.encode())
    assert [r.line for r in table.records] == [2, 4, 6]
    assert table.records[1].cells[4] == f"penicillin{newline}(rash)"


def test_a_huge_cell_and_an_unclosed_quote_are_row_problems_and_reading_goes_on() -> None:
    big = "x" * (1024 * 1024)
    text = f'mrn,first,last,dob\nA1,{big},Lee,1950-01-01\nA2,Bob,Ray,1950-01-01\nA3,"Cy,Day\n'
    table = read_table(text.encode())
    assert [(r.line, r.problem is None) for r in table.records] == [
        (2, False),
        (3, True),
        (4, False),
    ]
    assert "longer than" in (table.records[0].problem or "")
    assert table.records[2].problem == "a quoted cell is never closed"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b"\r\n\r\n", "the file is empty"),
        (b"mrn,first\nA1,Ann\nA2\x00,Bob\n", "line 3: the file holds binary data"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "line 3: the file holds binary data"),
        (b"PK\x03\x04\x14\x00\x06\x00", "line 1: this is a workbook or a zip archive"),
        ("mrn,first\n".encode("utf-16"), "line 1: the file is UTF-16 text"),
        (b"mrn,first\r\nA1,Jos\xe9\r\n", "line 2: byte 0xE9 is not UTF-8 text"),
    ],
)
def test_files_that_are_not_utf8_csv_are_refused_with_a_line(data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        read_table(data)
    assert exc.value.message.startswith(message)


def test_an_unknown_column_is_named() -> None:
    with pytest.raises(InvalidInput) as exc:
        map_header(["MRN", "First", "Insurance Plan"])
    assert exc.value.field == "header"
    assert exc.value.message.startswith("line 1: unknown column 'Insurance Plan'")


def test_two_columns_for_one_field_and_a_missing_mrn_are_refused() -> None:
    with pytest.raises(InvalidInput, match="'first' and 'First Name' both mean first_name"):
        map_header(["mrn", "first", "First Name"])
    with pytest.raises(InvalidInput, match="no MRN column"):
        map_header(["first", "last"])


def test_a_column_without_a_name_is_kept_as_none() -> None:
    assert map_header(["mrn", "", "last"]) == ("mrn", None, "last_name")


def test_the_export_header_is_read_back_as_the_same_fields() -> None:
    assert map_header(list(FIELDS)) == FIELDS
