"""An instrument version as a file and back: JSON (the document as it is) and an Excel workbook
for those who write the texts in Excel. Both read into the document that
`tracker.surveys.instruments.check_document` checks, so a file's rules are the document's rules;
here only what a file format adds: its size, its kind, its sheets and cells.

The workbook's sheets (a header row, then one row per point, item or question):

    Instrument      name_nb, name_nn, name_en, example, note        (one row)
    Scales          scale, value, label_nb, label_nn, label_en      (one row per point)
    Items           part, part_nb, part_nn, part_en, factor, factor_nb, factor_nn, factor_en,
                    item, statement_nb, statement_nn, statement_en, scale, reverse
    Open questions  code, text_nb, text_nn, text_en

In "Items", a part (and a factor) runs over the rows that give its code one after the other;
its name is read from its first row.

A workbook's problems are found in its document ("parts 1 › factors 2 › items 1 › statement
(nn)"); `read_xlsx` also gives where each element of the document came from, so the page names
the sheet, row and column an Excel user looks for.
"""
import io
import json
import zipfile

from flask_babel import lazy_gettext as _l

from tracker.domain import DomainError
from tracker.bounds import printable
from tracker.surveys.instruments import FORMAT, InstrumentFileError
from tracker.surveys.models import LANGUAGES

# Far above any real instrument (the demo's is about 30 kB as a workbook).
MAX_FILE_BYTES = 2 * 1024 * 1024
# What a workbook may unpack to: a small file that unpacks to gigabytes (a "zip bomb") is
# refused before openpyxl reads its shared strings into memory.
MAX_UNPACKED_BYTES = 20 * 1024 * 1024
# Rows read from a sheet at most: more than the document's limits allow, so a larger sheet is
# refused without reading it all.
MAX_ROWS = 1000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

INSTRUMENT_COLUMNS = ["name_nb", "name_nn", "name_en", "example", "note"]
SCALE_COLUMNS = ["scale", "value", "label_nb", "label_nn", "label_en"]
ITEM_COLUMNS = ["part", "part_nb", "part_nn", "part_en", "factor", "factor_nb", "factor_nn",
                "factor_en", "item", "statement_nb", "statement_nn", "statement_en", "scale",
                "reverse"]
QUESTION_COLUMNS = ["code", "text_nb", "text_nn", "text_en"]
SHEETS = {"Instrument": INSTRUMENT_COLUMNS, "Scales": SCALE_COLUMNS, "Items": ITEM_COLUMNS,
          "Open questions": QUESTION_COLUMNS}
TRUE_WORDS = {"true", "ja", "yes", "sann", "1", "x"}
FALSE_WORDS = {"false", "nei", "no", "usann", "0", ""}


# Where a document element came from in a workbook: its sheet, its row, and for each of its
# fields the column (a text's column adds "_nb", "_nn" or "_en").
Place = tuple[str, int, dict[str, str]]
PLACE_COLUMNS = {
    "": {"name": "name", "note": "note", "example": "example"},
    "scales": {"code": "scale"},
    "points": {"value": "value", "label": "label"},
    "parts": {"code": "part", "name": "part"},
    "factors": {"code": "factor", "name": "factor"},
    "items": {"code": "item", "statement": "statement", "scale": "scale", "reverse": "reverse"},
    "open questions": {"code": "code", "text": "text"},
}


def read_file(filename: str, data: bytes, places: dict[str, Place] | None = None) -> dict:
    """The document an uploaded file holds (not yet checked: creating or adding a version
    checks it, listing every problem).

    :raise DomainError: a file too large, of another kind, or one that cannot be read at all.
    :raise InstrumentFileError: a workbook whose sheets or cells are not an instrument's.
    """
    if len(data) > MAX_FILE_BYTES:
        raise DomainError(_l("The file is larger than %(n)s MB.", n=MAX_FILE_BYTES // 1024 // 1024),
                          field="file")
    name = (filename or "").casefold()
    if name.endswith(".json"):
        return read_json(data)
    if name.endswith(".xlsx"):
        return read_xlsx(data, places)
    raise DomainError(_l("Upload the instrument as a JSON file (.json) or an Excel workbook "
                         "(.xlsx)."), field="file")


def write_json(document: dict) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


def read_json(data: bytes) -> dict:
    """:raise DomainError: when the bytes are not JSON text."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise DomainError(_l("The file is not JSON text that can be read (saved as UTF-8)."),
                          field="file") from None
    if not isinstance(document, dict):
        raise InstrumentFileError([str(_l("the file does not hold an instrument"))])
    return document


def _text_cell(value) -> str:
    """A cell as text: stripped, a whole number without ".0", nothing as ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _number_cell(value):
    """A scale value: a whole number, written as a number or as text; anything else as it is,
    for the document's check to name."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value.strip()) < 5:
        return int(value.strip())
    return value


def _flag_cell(value):
    """A yes/no cell (TRUE/FALSE, ja/nei, yes/no); anything else as its text, for the
    document's check to refuse."""
    if isinstance(value, bool):
        return value
    text = _text_cell(value).casefold()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    return text[:40]


def _rows(sheet, columns: list[str], problems: list[str], title: str) -> list[dict]:
    """The sheet's rows as {column: raw value}, by its header row; empty rows skipped."""
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None) or ()
    names = [_text_cell(cell).casefold() for cell in header]
    missing = [column for column in columns if column not in names]
    if missing:
        problems.append(str(_l("sheet %(sheet)s: the columns %(columns)s are missing",
                               sheet=title, columns=", ".join(missing))))
        return []
    where = {column: names.index(column) for column in columns}
    found = []
    for number, row in enumerate(rows, start=2):
        if number > MAX_ROWS:
            problems.append(str(_l("sheet %(sheet)s: at most %(n)s rows", sheet=title,
                                   n=MAX_ROWS)))
            break
        values = {column: row[index] if index < len(row) else None
                  for column, index in where.items()}
        if all(_text_cell(value) == "" for value in values.values()):
            continue
        values[ROW] = number
        found.append(values)
    return found


# The key under which a read row keeps its row number in the sheet.
ROW = "__row__"


def _texts(row: dict, stem: str) -> dict[str, str]:
    return {language: _text_cell(row[f"{stem}_{language}"]) for language in LANGUAGES}


def read_xlsx(data: bytes, places: dict[str, Place] | None = None) -> dict:
    """The workbook's document; `places`, when given, is filled with where each element came
    from, by its path in the document ("parts 1 › factors 2 › items 1" -> ("Items", 4, …)).

    :raise DomainError: when the bytes are no workbook.
    :raise InstrumentFileError: when a sheet or a column is missing."""
    import openpyxl

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        unpacked = 0  # not a zip: openpyxl's refusal below says so
    if unpacked > MAX_UNPACKED_BYTES:
        raise DomainError(_l("The workbook unpacks to more than %(n)s MB: an instrument is far "
                             "smaller.", n=MAX_UNPACKED_BYTES // 1024 // 1024), field="file")
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, IndexError, ValueError, TypeError, SyntaxError,
            OSError, EOFError):
        raise DomainError(_l("The file is not an Excel workbook (.xlsx) that can be read. Open "
                             "it in Excel and save it as “Excel-arbeidsbok”."),
                          field="file") from None
    problems: list[str] = []
    try:
        sheets = {}
        for title, columns in SHEETS.items():
            sheet = next((book[name] for name in book.sheetnames
                          if name.strip().casefold() == title.casefold()), None)
            if sheet is None:
                problems.append(str(_l("the sheet %(sheet)s is missing", sheet=title)))
                sheets[title] = []
            else:
                sheets[title] = _rows(sheet, columns, problems, title)
    except (zipfile.BadZipFile, KeyError, IndexError, ValueError, TypeError, SyntaxError,
            OSError, EOFError):
        raise DomainError(_l("The file is not an Excel workbook (.xlsx) that can be read. Open "
                             "it in Excel and save it as “Excel-arbeidsbok”."),
                          field="file") from None
    finally:
        book.close()
    if problems:
        raise InstrumentFileError(problems)
    return _document(sheets, places if places is not None else {})


def _document(sheets: dict[str, list[dict]], places: dict[str, Place]) -> dict:
    head = sheets["Instrument"][0] if sheets["Instrument"] else {c: None for c in INSTRUMENT_COLUMNS}
    document = {
        "format": FORMAT,
        "name": _texts(head, "name"),
        "example": _flag_cell(head["example"]) is True,
        "note": _text_cell(head["note"]),
        "scales": [],
        "parts": [],
        "open_questions": [],
    }
    if sheets["Instrument"]:
        places[""] = ("Instrument", head[ROW], PLACE_COLUMNS[""])
    scales: dict[str, dict] = {}
    for row in sheets["Scales"]:
        code = _text_cell(row["scale"])
        if code not in scales:
            scales[code] = {"code": code, "points": []}
            document["scales"].append(scales[code])
            places[f"scales {len(scales)}"] = ("Scales", row[ROW], PLACE_COLUMNS["scales"])
        scales[code]["points"].append({"value": _number_cell(row["value"]),
                                       "label": _texts(row, "label")})
        where = f"scales {list(scales).index(code) + 1} › points {len(scales[code]['points'])}"
        places[where] = ("Scales", row[ROW], PLACE_COLUMNS["points"])
    part = factor = None
    for row in sheets["Items"]:
        part_code, factor_code = _text_cell(row["part"]), _text_cell(row["factor"])
        if part is None or part["code"] != part_code:
            part = {"code": part_code, "name": _texts(row, "part"), "factors": []}
            document["parts"].append(part)
            factor = None
            places[f"parts {len(document['parts'])}"] = ("Items", row[ROW], PLACE_COLUMNS["parts"])
        if factor is None or factor["code"] != factor_code:
            factor = {"code": factor_code, "name": _texts(row, "factor"), "items": []}
            part["factors"].append(factor)
            places[f"parts {len(document['parts'])} › factors {len(part['factors'])}"] = (
                "Items", row[ROW], PLACE_COLUMNS["factors"])
        factor["items"].append({"code": _text_cell(row["item"]),
                                "statement": _texts(row, "statement"),
                                "scale": _text_cell(row["scale"]),
                                "reverse": _flag_cell(row["reverse"])})
        places[f"parts {len(document['parts'])} › factors {len(part['factors'])} › items "
               f"{len(factor['items'])}"] = ("Items", row[ROW], PLACE_COLUMNS["items"])
    for q, row in enumerate(sheets["Open questions"], 1):
        document["open_questions"].append({"code": _text_cell(row["code"]),
                                           "text": _texts(row, "text")})
        places[f"open questions {q}"] = ("Open questions", row[ROW],
                                         PLACE_COLUMNS["open questions"])
    return document


def place_of(where: str, places: dict[str, Place]) -> tuple[str, int, str | None] | None:
    """The sheet, row and column (None when the problem is the row's as a whole) a problem's
    place in the document ("parts 1 › factors 2 › items 1 › statement (nn)") came from, or
    None when the workbook has no such place."""
    steps = where.split(" › ")
    for end in range(len(steps), -1, -1):
        path = " › ".join(steps[:end])
        if path not in places:
            continue
        sheet, row, columns = places[path]
        rest = steps[end:]
        if not rest:
            return sheet, row, None
        if len(rest) > 1:
            return None
        field, _space, language = rest[0].partition(" (")
        column = columns.get(field)
        if column is None:
            # The instrument's own row holds only its own fields, not "parts" or "scales".
            return (sheet, row, None) if end else None
        return sheet, row, column + (f"_{language.rstrip(')')}" if language else "")
    return None


def write_xlsx(document: dict) -> bytes:
    """The document as a workbook `read_xlsx` reads back to the same document. Every cell is
    text (or a number or TRUE/FALSE), never a formula, whatever a text begins with."""
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)

    def sheet(title: str, columns: list[str], rows: list[list]) -> None:
        ws = book.create_sheet(title)
        ws.append(columns)
        for row in rows:
            # Stored text may hold what a worksheet cannot (an escape character put in before
            # the checks, or through the database): it goes, line breaks and tabs stay.
            ws.append([printable(v, multiline=True) if isinstance(v, str) else v for v in row])
        for cells in ws.iter_rows(min_row=2):
            for cell in cells:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # text, not a formula
        ws.freeze_panes = "A2"

    def texts(value: dict) -> list[str]:
        return [value[language] for language in LANGUAGES]

    sheet("Instrument", INSTRUMENT_COLUMNS,
          [[*texts(document["name"]), bool(document.get("example")), document.get("note") or ""]])
    sheet("Scales", SCALE_COLUMNS,
          [[scale["code"], point["value"], *texts(point["label"])]
           for scale in document["scales"] for point in scale["points"]])
    sheet("Items", ITEM_COLUMNS,
          [[part["code"], *texts(part["name"]), factor["code"], *texts(factor["name"]),
            item["code"], *texts(item["statement"]), item["scale"], bool(item.get("reverse"))]
           for part in document["parts"] for factor in part["factors"]
           for item in factor["items"]])
    sheet("Open questions", QUESTION_COLUMNS,
          [[question["code"], *texts(question["text"])]
           for question in document.get("open_questions", [])])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
