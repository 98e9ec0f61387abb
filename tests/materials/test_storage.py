"""Which files are accepted (by name and by content), and that a file on disk lives exactly as
long as its committed row."""
import os
from datetime import timedelta

import pytest

from tests.materials.conftest import EXE, GOOD_FILES, PDF, files_in, odf, ooxml, zipped
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.materials import storage
from tracker.materials.models import Material
from tracker.materials.services import add_file, add_link, check_file, delete_material

# The messages are matched in English.
EN = {"Accept-Language": "en"}


def refusal(app, filename: str, data: bytes) -> tuple[str, str]:
    """The field `check_file` names and its message in English, or fails when it takes the file."""
    with app.test_request_context(headers=EN):
        try:
            check_file(filename, data)
        except DomainError as error:
            return error.field, str(error)
    raise AssertionError(f"{filename} was taken")


@pytest.mark.parametrize("filename", sorted(GOOD_FILES))
def test_every_accepted_type_is_taken_by_its_name_and_its_content(app, filename):
    with app.test_request_context(headers=EN):
        assert check_file(filename, GOOD_FILES[filename]).extension == filename.rsplit(".", 1)[1]


@pytest.mark.parametrize("filename, data", [
    ("Program.pdf", EXE),                                   # an executable renamed .pdf
    ("Program.pdf", b"<html><script>alert(1)</script>"),   # a web page renamed .pdf
    ("Notat.docx", ooxml("word", macros=True)),             # a .docm renamed .docx
    ("Notat.docx", ooxml("xl")),                            # a spreadsheet renamed .docx
    ("Notat.docx", zipped({"word/document.xml": b"<d/>"})),  # a zip, not an Office file
    ("Notat.docx", PDF),
    ("Notat.odt", odf("application/vnd.oasis.opendocument.spreadsheet")),
    ("Notat.odt", zipped({"mimetype": b"application/vnd.oasis.opendocument.text",
                          "Basic/Standard/Module1.xml": b"<script/>"}, stored_first="mimetype")),
    ("Lesetips.txt", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
    ("Lesetips.txt", b"  <svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"),
    ("Lesetips.txt", b"tekst\x00med NUL"),
    ("Lesetips.txt", "æøå".encode("latin-1")),              # not UTF-8
    ("Lesetips.txt", EXE),
])
def test_a_file_whose_bytes_are_not_what_its_name_says_is_refused(app, filename, data):
    assert refusal(app, filename, data)[0] == "file"
    assert "File: the file is not the" in refusal(app, filename, data)[1]


@pytest.mark.parametrize("filename", ["virus.exe", "side.html", "bilde.svg", "skript.js", "Program",
                                      "Program.PDF.exe", "makro.docm", "gammel.doc"])
def test_only_the_listed_extensions_are_taken(app, filename):
    assert "only PDF" in refusal(app, filename, PDF)[1]


def test_the_extension_is_read_without_regard_to_case(app):
    with app.test_request_context(headers=EN):
        assert check_file("PROGRAM.PDF", PDF).extension == "pdf"


@pytest.mark.parametrize("filename, problem", [
    ("", "has no name"),
    ("   ", "has no name"),
    ("../../etc/passwd.pdf", "must not hold"),
    ("..\\..\\boot.pdf", "must not hold"),
    ("/tmp/x.pdf", "must not hold"),
    ("rapport\x00.exe.pdf", "control characters"),
    ("rapport\x1b[31m.pdf", "control characters"),
    ("rapport\n.pdf", "control characters"),
    ("rapport\u202egnp.pdf", "control characters"),  # right-to-left override
    ("x" * 300 + ".pdf", "longer than 200"),
    (".pdf", "only an extension"),
])
def test_a_bad_filename_is_refused_naming_the_file(app, filename, problem):
    field, message = refusal(app, filename, PDF)
    assert field == "file" and message.startswith("File:") and problem in message


def test_an_empty_and_a_too_large_file_are_refused(app):
    app.config["MATERIALS_MAX_BYTES"] = 1024 * 1024
    assert "empty" in refusal(app, "Program.pdf", b"")[1]
    assert "larger than 1 MB" in refusal(app, "Program.pdf", PDF + b"0" * (1024 * 1024))[1]
    with app.test_request_context(headers=EN):
        assert check_file("Program.pdf", PDF + b"0" * (1024 * 1024 - len(PDF))).extension == "pdf"


def test_a_stored_file_has_a_random_name_and_its_bytes(app, course, materials_folder):
    with app.test_request_context(headers=EN):
        material = add_file(course.joint, filename="Årsplan 2027.pdf", data=PDF)
        db.session.commit()
    assert material.filename == "Årsplan 2027.pdf"
    assert files_in(materials_folder) == [material.storage_name]
    assert storage.STORAGE_NAME.fullmatch(material.storage_name)
    assert (materials_folder / material.storage_name).read_bytes() == PDF
    assert oct(os.stat(materials_folder / material.storage_name).st_mode & 0o777) == "0o600"


def test_two_uploads_never_write_the_same_file(app, course, materials_folder, monkeypatch):
    """Two uploads drawing the same name (they will not, at 128 bits; here they are made to):
    the second finds the file there (O_EXCL) and draws again, so neither overwrites the other."""
    names = iter(["a" * 32, "a" * 32, "b" * 32])
    monkeypatch.setattr(storage.secrets, "token_hex", lambda n: next(names))
    with app.test_request_context(headers=EN):
        first = add_file(course.joint, filename="En.pdf", data=PDF + b"first")
        second = add_file(course.joint, filename="En.pdf", data=PDF + b"second")
        db.session.commit()
    assert (first.storage_name, second.storage_name) == ("a" * 32, "b" * 32)
    assert (materials_folder / first.storage_name).read_bytes() == PDF + b"first"
    assert (materials_folder / second.storage_name).read_bytes() == PDF + b"second"


def test_a_refused_file_leaves_nothing_on_disk_or_in_the_database(app, course, materials_folder):
    with app.test_request_context(headers=EN), pytest.raises(DomainError):
        add_file(course.joint, filename="Program.pdf", data=EXE)
    assert files_in(materials_folder) == []
    assert db.session.query(Material).count() == 0


def test_an_upload_rolled_back_leaves_no_file(app, course, materials_folder):
    with app.test_request_context(headers=EN):
        add_file(course.joint, filename="Program.pdf", data=PDF)
        assert len(files_in(materials_folder)) == 1
        db.session.rollback()
    assert files_in(materials_folder) == []


def test_a_deleted_materials_file_goes_only_after_the_commit(app, course, materials_folder):
    with app.test_request_context(headers=EN):
        material = add_file(course.joint, filename="Program.pdf", data=PDF)
        db.session.commit()
        delete_material(material)
        assert files_in(materials_folder) == [material.storage_name]  # flushed, not committed
        db.session.rollback()
        assert files_in(materials_folder) == [material.storage_name]  # the delete rolled back
        delete_material(db.session.get(Material, material.id))
        db.session.commit()
    assert files_in(materials_folder) == []


def test_materials_are_erased_with_their_session(app, course, materials_folder):
    with app.test_request_context(headers=EN):
        own = add_file(course.joint, filename="Program.pdf", data=PDF)
        add_link(course.joint, url="https://www.regjeringen.no/")
        kept = add_file(course.own, filename="Annet.pdf", data=PDF)
        db.session.commit()
        gone = own.storage_name
        db.session.delete(course.joint)
        db.session.flush()
        assert gone in files_in(materials_folder)
        db.session.commit()
        assert files_in(materials_folder) == [kept.storage_name]
        assert [m.id for m in db.session.query(Material)] == [kept.id]


def test_materials_are_erased_with_their_module_and_group(app, course, materials_folder, make_module):
    with app.test_request_context(headers=EN):
        module = make_module(course.cohort.programme)
        of_module = add_file(module, filename="Modul.pdf", data=PDF)
        of_group = add_file(course.own, filename="Gruppe.pdf", data=PDF)
        db.session.commit()
        names = of_module.storage_name, of_group.storage_name
        db.session.delete(module)
        db.session.commit()
        assert files_in(materials_folder) == [names[1]]
        db.session.delete(course.group)
        db.session.commit()
    assert files_in(materials_folder) == []
    assert db.session.query(Material).count() == 0


def test_the_sweep_removes_old_files_no_row_names(app, course, materials_folder):
    with app.test_request_context(headers=EN):
        kept = add_file(course.joint, filename="Program.pdf", data=PDF)
        db.session.commit()
        old, young = "c" * 32, "d" * 32
        for name in (old, young):
            (materials_folder / name).write_bytes(b"left behind")
        os.utime(materials_folder / old, (0, 0))
        os.utime(materials_folder / kept.storage_name, (0, 0))
        (materials_folder / "README").write_text("not ours")
        assert storage.sweep_orphans(db.session, timedelta(hours=1)) == [old]
    assert files_in(materials_folder) == sorted(["README", kept.storage_name, young])


def test_the_sweep_command(app, course, materials_folder):
    with app.test_request_context(headers=EN):
        storage.folder()
    (materials_folder / ("e" * 32)).write_bytes(b"x")
    result = app.test_cli_runner().invoke(args=["materials", "sweep", "--older-than-minutes", "0"])
    assert "Removed 1 file(s)" in result.output
    assert files_in(materials_folder) == []


def test_only_a_storage_name_is_ever_joined_to_the_folder(app):
    with app.test_request_context(headers=EN):
        for name in ("../config.py", "", "A" * 32, "a" * 31):
            with pytest.raises(ValueError):
                storage.path_of(name)
