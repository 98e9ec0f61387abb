"""Writes the register files the import tests read: Enhetsregisteret's bulk download as CSV
(UTF-8 with BOM and Excel's Windows-1252) and as XLSX, and an answer of its open API as JSON.

Run it again after changing UNITS (`.venv/bin/python tests/organisations/files/make_files.py`);
the files are committed, so the tests read bytes as a coordinator would upload them. Names are
in capitals, as the register writes them. Finansdepartementet's number is made up (the real one
is not known for sure here): a valid nine-digit number for the matching tests.
"""
import csv
import io
import json
from pathlib import Path

import openpyxl

FOLDER = Path(__file__).parent
HEADER = ["organisasjonsnummer", "navn", "organisasjonsform.kode", "organisasjonsform.beskrivelse",
          "naeringskode1.kode", "forretningsadresse.adresse", "forretningsadresse.poststed",
          "institusjonellSektorkode.kode", "overordnetEnhet", "registreringsdatoEnhetsregisteret"]
# (number, name, form, form description, parent): lines 2.. of the CSV and the workbook.
UNITS = [
    ("912660680", "NÆRINGS- OG FISKERIDEPARTEMENTET", "STAT", "Staten", ""),       # 2
    ("972417882", "KLIMA- OG MILJØDEPARTEMENTET", "STAT", "Staten", ""),           # 3
    ("999601391", "MILJØDIREKTORATET", "ORGL", "Organisasjonsledd", "972417882"),  # 4
    ("974761246", "KONKURRANSETILSYNET", "ORGL", "Organisasjonsledd", "912660680"),  # 5
    ("972417890", "FINANSDEPARTEMENTET", "STAT", "Staten", ""),                    # 6
    ("986252932", "DIREKTORATET FOR ØKONOMISTYRING", "ORGL", "Organisasjonsledd", "972417890"),  # 7
    ("962986633", "STATNETT SF", "SF", "Statsforetak", ""),                         # 8
    ("920123457", "KARI NORDMANN RÅDGIVNING", "ENK", "Enkeltpersonforetak", ""),   # 9
    ("974760673", "REGIONKONTOR ÅLESUND", "ORGL", "Organisasjonsledd", "921234562"),  # 10 parent nowhere
    ("970018132", "UTDANNINGSDIREKTORATET", "ORGL", "Organisasjonsledd", "972417882"),  # 11 check digit
]


def rows() -> list[list[str]]:
    return [[number, name, form, description, "84.110", "Postboks 1", "OSLO", "6100", parent,
             "1995-02-20"] for number, name, form, description, parent in UNITS]


def csv_text() -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows())
    return out.getvalue()


def main() -> None:
    (FOLDER / "enheter_utf8.csv").write_bytes(csv_text().encode("utf-8-sig"))
    (FOLDER / "enheter_windows1252.csv").write_bytes(csv_text().encode("cp1252"))
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Enheter"
    sheet.append(HEADER)
    for row in rows():
        # Excel keeps a number typed into a cell as a number: the import reads it as the text.
        sheet.append([int(row[0]), *row[1:8], int(row[8]) if row[8] else None, row[9]])
    workbook.save(FOLDER / "enheter.xlsx")
    units = [{
        "organisasjonsnummer": number, "navn": name,
        "organisasjonsform": {"kode": form, "beskrivelse": description,
                              "_links": {"self": {"href": f"https://data.brreg.no/enhetsregisteret/api/organisasjonsformer/{form}"}}},
        "forretningsadresse": {"land": "Norge", "landkode": "NO", "poststed": "OSLO", "adresse": ["Postboks 1"]},
        "institusjonellSektorkode": {"kode": "6100", "beskrivelse": "Statsforvaltningen"},
        **({"overordnetEnhet": parent} if parent else {}),
        "_links": {"self": {"href": f"https://data.brreg.no/enhetsregisteret/api/enheter/{number}"}},
    } for number, name, form, description, parent in UNITS]
    answer = {"_embedded": {"enheter": units},
              "_links": {"self": {"href": "https://data.brreg.no/enhetsregisteret/api/enheter?institusjonellSektorkode=6100"}},
              "page": {"size": 20, "totalElements": len(units), "totalPages": 1, "number": 0}}
    (FOLDER / "enheter_api.json").write_text(json.dumps(answer, ensure_ascii=False, indent=2) + "\n",
                                            encoding="utf-8")


if __name__ == "__main__":
    main()
