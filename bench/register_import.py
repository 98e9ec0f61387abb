"""How long the register import takes to preview a 100,000-row bulk download.

Run with `.venv/bin/python bench/register_import.py` (BENCH_ROWS to change the size,
BENCH_FORMAT=xlsx for the same rows as an Excel workbook, BENCH_PROFILE=1 for a profile of the
slowest functions). It writes a file shaped like
Enhetsregisteret's bulk CSV (about 20 MB: the register's columns, names in capitals, a mix of
ministries, agencies, private forms and rows with bad numbers), uploads it through the import page
as a coordinator would, against a throwaway SQLite database holding the demo's organisations, and
prints each step's time. It asserts nothing: the target (under 20 seconds, and inside the
worker's timeout) is watched here, not in the test suite.
"""
import cProfile
import io
import os
import pstats
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config import TestConfig  # noqa: E402
from tracker import create_app  # noqa: E402

ROWS = int(os.environ.get("BENCH_ROWS", "100000"))
# csv (the bulk download's CSV) or xlsx (the same as an Excel workbook).
FORMAT = os.environ.get("BENCH_FORMAT", "csv")
HEADER = ("organisasjonsnummer;navn;organisasjonsform.kode;organisasjonsform.beskrivelse;"
          "hjemmeside;postadresse.adresse;postadresse.poststed;postadresse.postnummer;"
          "forretningsadresse.adresse;forretningsadresse.poststed;forretningsadresse.postnummer;"
          "institusjonellSektorkode.kode;institusjonellSektorkode.beskrivelse;naeringskode1.kode;"
          "naeringskode1.beskrivelse;antallAnsatte;overordnetEnhet;registreringsdatoEnhetsregisteret")
FORMS = [("STAT", "Staten"), ("ORGL", "Organisasjonsledd"), ("ORGL", "Organisasjonsledd"),
         ("SF", "Statsforetak"), ("AS", "Aksjeselskap"), ("ENK", "Enkeltpersonforetak")]


def number(n: int) -> str:
    """A valid organisation number from a running count (MOD11 check digit; counts whose check
    would be 10 take the next count)."""
    while True:
        base = f"{8 + n % 2}{n:07d}"[:8]
        remainder = sum(int(d) * w for d, w in zip(base, (3, 2, 7, 6, 5, 4, 3, 2))) % 11
        if remainder != 1:
            return base + str(0 if remainder == 0 else 11 - remainder)
        n += 1_000_000


def bulk_file(rows: int) -> bytes:
    lines = [HEADER]
    ministries = []
    for n in range(rows):
        code, description = FORMS[n % len(FORMS)]
        org_number = number(n) if n % 97 else "12345678"  # a bad number now and then
        parent = ministries[n % len(ministries)] if code == "ORGL" and ministries else ""
        if code == "STAT":
            ministries.append(org_number)
        lines.append(";".join([
            org_number, f"ENHET NUMMER {n} FOR ØKONOMI OG FORVALTNING", code, description,
            "www.example.no", "Postboks 8000 Dep", "OSLO", "0030", "Akersgata 59", "OSLO", "0180",
            "6100", "Statsforvaltningen", "84.110", "Generell offentlig administrasjon", "120",
            parent, "1995-02-20"]))
    return ("\n".join(lines) + "\n").encode("utf-8")


def workbook(content: bytes) -> bytes:
    """The same rows as an Excel workbook, written a row at a time."""
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Enheter")
    for line in content.decode("utf-8").splitlines():
        sheet.append(line.split(";"))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> None:
    folder = tempfile.mkdtemp()

    class Bench(TestConfig):
        TESTING = False
        WTF_CSRF_ENABLED = True
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{folder}/bench.sqlite"
        REGISTER_IMPORT_FOLDER = f"{folder}/register-imports"

    app = create_app(Bench)
    content = bulk_file(ROWS)
    if FORMAT == "xlsx":
        content = workbook(content)
    print(f"{ROWS} rows as {FORMAT}, {len(content) / 1e6:.1f} MB")
    with app.app_context():
        from flask_migrate import upgrade

        from tracker.seed.demo import load_demo

        upgrade()
        load_demo()

    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": "koordinator@example.org", "password": "demo fjordlys koordinator",
                                "csrf_token": token.group(1)})
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      client.get("/organisations/import").get_data(as_text=True)).group(1)
    profile = cProfile.Profile() if os.environ.get("BENCH_PROFILE") else None
    started = time.perf_counter()
    if profile:
        profile.enable()
    response = client.post("/organisations/import", data={
        "file": (io.BytesIO(content), f"enheter.{FORMAT}"), "csrf_token": token}, content_type="multipart/form-data")
    if profile:
        profile.disable()
    elapsed = time.perf_counter() - started
    print(f"preview: {response.status_code} in {elapsed:.1f} s, page {len(response.data) / 1e6:.1f} MB")
    if response.status_code != 200:
        print(re.findall(r'ds-validation-message[^>]*>([^<]+)', response.get_data(as_text=True)))
    if profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
