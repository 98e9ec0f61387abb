"""An instrument version as a JSON file and as an Excel workbook: both read back to the same
document, and a spoilt file is refused with every problem named."""
import copy
import io
import json

import openpyxl
import pytest

from tests.surveys.conftest import SMALL_INSTRUMENT
from tracker.domain import DomainError
from tracker.surveys.instrument_files import (
    MAX_FILE_BYTES,
    read_file,
    place_of,
    read_xlsx,
    write_json,
    write_xlsx,
)
from tracker.surveys.instruments import InstrumentFileError, check_document


def workbook(document=None) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(write_xlsx(document or SMALL_INSTRUMENT)))


def saved(book: openpyxl.Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def problems_of(document) -> list[str]:
    with pytest.raises(InstrumentFileError) as refused:
        check_document(document)
    return refused.value.problems


@pytest.mark.parametrize("suffix", ["json", "xlsx"])
def test_a_document_comes_back_from_its_file_exactly(suffix):
    document = copy.deepcopy(SMALL_INSTRUMENT)
    document["note"] = "Endret ordlyd\ni to påstander"
    # A text that begins like a formula stays a text.
    document["parts"][0]["factors"][0]["items"][0]["statement"]["en"] = "=HYPERLINK(\"x\")"
    written = write_json(document) if suffix == "json" else write_xlsx(document)
    assert check_document(read_file(f"survey.{suffix}", written)) == check_document(document)


def test_the_workbook_has_the_sheets_people_edit():
    book = workbook()
    assert book.sheetnames == ["Instrument", "Scales", "Items", "Open questions"]
    items = list(book["Items"].iter_rows(values_only=True))
    assert items[0][:5] == ("part", "part_nb", "part_nn", "part_en", "factor")
    assert items[2][8] == "PRE1b" and items[2][13] is True
    formula = workbook({**copy.deepcopy(SMALL_INSTRUMENT), "note": "=1+1"})["Instrument"]["E2"]
    assert formula.data_type == "s"


def test_cells_as_excel_leaves_them_are_read_as_meant():
    book = workbook()
    items = book["Items"]
    items["I2"] = "  PRE1a  "  # spaces around a code
    items["N2"] = "ja"
    items["N3"] = "NEI"
    items["N4"] = "yes"
    items["N5"] = None
    items["A2"] = "PRE"
    book["Open questions"]["A2"] = 1  # a number where a code is expected
    book["Scales"]["B2"] = "1"  # a value typed as text
    document = check_document(read_xlsx(saved(book)))
    first, second = document["parts"][0]["factors"][0]["items"]
    assert first["code"] == "PRE1a" and first["reverse"] is True and second["reverse"] is False
    assert document["parts"][1]["factors"][0]["items"][0]["reverse"] is True
    assert document["open_questions"][0]["code"] == "1"
    assert document["scales"][0]["points"][0]["value"] == 1


def test_a_reverse_flag_that_is_no_yes_or_no_is_named():
    book = workbook()
    book["Items"]["N2"] = "kanskje"
    problems = problems_of(read_xlsx(saved(book)))
    assert any(p.startswith("parts 1 › factors 1 › items 1 › reverse") for p in problems)


@pytest.mark.parametrize("cell, where", [
    ("K2", "parts 1 › factors 1 › items 1 › statement (nn)"),  # a missing text
    ("B2", "parts 1 › name (nb)"),
])
def test_a_missing_text_in_the_workbook_is_named(cell, where):
    book = workbook()
    book["Items"][cell] = None
    assert any(p.startswith(where) for p in problems_of(read_xlsx(saved(book))))


def test_a_duplicate_code_and_an_unknown_scale_in_the_workbook_are_named():
    book = workbook()
    book["Items"]["I3"] = "PRE1a"
    book["Items"]["M4"] = "agree7"
    problems = problems_of(read_xlsx(saved(book)))
    assert any("PRE1a" in p and p.startswith("parts 1 › factors 1 › items 2 › code") for p in problems)
    assert any(p.startswith("parts 2 › factors 1 › items 1 › scale") for p in problems)


def test_a_missing_sheet_or_column_is_named():
    book = workbook()
    del book["Scales"]
    book["Items"]["M1"] = "skala"
    with pytest.raises(InstrumentFileError) as refused:
        read_xlsx(saved(book))
    assert any("Scales" in p for p in refused.value.problems)
    assert any("scale" in p and "Items" in p for p in refused.value.problems)


@pytest.mark.parametrize("hostile", ["a\x00b", "\x1b[31m", "x" * 5000, "\u202e"])
def test_hostile_text_in_a_file_is_refused(hostile):
    document = copy.deepcopy(SMALL_INSTRUMENT)
    document["parts"][0]["factors"][0]["name"]["en"] = hostile
    assert any(p.startswith("parts 1 › factors 1 › name (en)") for p in problems_of(
        read_file("survey.json", json.dumps(document).encode())))


def test_a_nul_in_the_note_is_refused():
    document = {**copy.deepcopy(SMALL_INSTRUMENT), "note": "a\x00b"}
    assert any(p.startswith("note") for p in problems_of(document))


@pytest.mark.parametrize("name, data", [
    ("survey.csv", b"a;b\n"),
    ("survey", b"{}"),
    ("survey.json", b"{broken"),
    ("survey.json", b"\xff\xfe\x00"),
    ("survey.json", b"[" * 100000),
    ("survey.xlsx", b"not a zip"),
    ("survey.xlsx", b"PK\x03\x04" + b"\x00" * 200),
    ("survey.json", b" " * (MAX_FILE_BYTES + 1)),
])
def test_a_file_that_cannot_be_read_is_refused_clearly(name, data):
    with pytest.raises(DomainError) as refused:
        read_file(name, data)
    assert refused.value.field == "file"
    assert str(refused.value)


def test_a_zip_that_is_no_workbook_is_refused():
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hei")
    with pytest.raises(DomainError):
        read_file("survey.xlsx", out.getvalue())


def test_json_that_is_not_an_object_is_refused():
    with pytest.raises(InstrumentFileError):
        read_file("survey.json", b"[1, 2, 3]")


def test_a_workbook_that_unpacks_to_far_more_than_an_instrument_is_refused():
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b" " * (25 * 1024 * 1024))
    assert len(out.getvalue()) < MAX_FILE_BYTES
    with pytest.raises(DomainError) as refused:
        read_file("survey.xlsx", out.getvalue())
    assert "MB" in str(refused.value)


def test_a_workbook_remembers_the_sheet_and_row_of_each_element():
    book = workbook()
    book["Items"]["K4"] = None  # the third item's nynorsk statement
    book["Items"]["M5"] = "agree7"
    book["Scales"]["D3"] = None
    places: dict = {}
    problems = problems_of(read_xlsx(saved(book), places))
    assert places["parts 1"][:2] == ("Items", 2)
    assert places["parts 2 › factors 1 › items 1"][:2] == ("Items", 4)
    assert places["open questions 2"][:2] == ("Open questions", 3)
    assert places["scales 1 › points 2"][:2] == ("Scales", 3)
    found = [place_of(p.partition(": ")[0], places) for p in problems]
    assert ("Items", 4, "statement_nn") in found
    assert ("Items", 5, "scale") in found
    assert ("Scales", 3, "label_nn") in found
    # A problem with no row of its own has no place: the page says it as the document does.
    assert place_of("parts", places) is None
