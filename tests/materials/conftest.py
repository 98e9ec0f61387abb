"""Factories for the materials' tests: files of every accepted type (and hostile ones), a folder
per test, and a cohort whose people have accounts."""
import io
import os
import zipfile
from dataclasses import dataclass
from datetime import date

import pytest

from tests.conftest import login_as


@pytest.fixture(autouse=True)
def materials_folder(app, tmp_path):
    """Each test keeps its files in a folder of its own, and can list what is left there."""
    folder = tmp_path / "materials"
    before = app.config.get("MATERIALS_FOLDER"), app.config.get("MATERIALS_MAX_BYTES")
    app.config["MATERIALS_FOLDER"] = str(folder)
    yield folder
    app.config["MATERIALS_FOLDER"], app.config["MATERIALS_MAX_BYTES"] = before


def files_in(folder) -> list[str]:
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


def zipped(entries: dict[str, bytes], *, stored_first: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if stored_first:
            archive.writestr(zipfile.ZipInfo(stored_first), entries[stored_first])
        for name, data in entries.items():
            if name != stored_first:
                archive.writestr(name, data)
    return buffer.getvalue()


def ooxml(main: str, *, macros: bool = False) -> bytes:
    entries = {"[Content_Types].xml": b"<Types/>", "_rels/.rels": b"<Relationships/>",
               f"{main}/document.xml": b"<document/>"}
    if macros:
        entries[f"{main}/vbaProject.bin"] = b"\xd0\xcf\x11\xe0"
    return zipped(entries)


def odf(mimetype: str) -> bytes:
    return zipped({"mimetype": mimetype.encode(), "content.xml": b"<office:document/>"},
                  stored_first="mimetype")


PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
GOOD_FILES = {
    "Program.pdf": PDF,
    "Notat.docx": ooxml("word"),
    "Budsjett.xlsx": ooxml("xl"),
    "Lysark.pptx": ooxml("ppt"),
    "Notat.odt": odf("application/vnd.oasis.opendocument.text"),
    "Regneark.ods": odf("application/vnd.oasis.opendocument.spreadsheet"),
    "Presentasjon.odp": odf("application/vnd.oasis.opendocument.presentation"),
    "Lesetips.txt": "Les kapittel 3 før samlingen.\nTa med PC.\n".encode(),
}
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 48 + b"This program cannot be run in DOS mode"


@dataclass
class Course:
    """A cohort with two groups, a joint session and one session of each group, a member of
    each group with an account, and a coordinator."""

    cohort: object
    group: object
    other_group: object
    joint: object
    own: object
    others: object
    member: object  # a user whose person is a member of `group`
    other_member: object  # a user whose person is a member of `other_group`
    coordinator: object


@pytest.fixture
def course(db, make_cohort, make_group, make_session, make_module, make_member, make_user):
    from tracker.programmes.models import ModuleKind

    cohort = make_cohort(start_date=date(2027, 1, 11))
    group, other_group = make_group(cohort), make_group(cohort)
    gathering = make_module(cohort.programme, kind=ModuleKind.JOINT_GATHERING, offset_weeks=0)
    group_work = make_module(cohort.programme, offset_weeks=0)
    joint = make_session(cohort, gathering)
    own = make_session(cohort, group_work, group)
    others = make_session(cohort, group_work, other_group)
    users = []
    for enrolment in (group, other_group):
        membership = make_member(enrolment)
        user = make_user("agency", organisation=enrolment.organisation)
        user.person_id = membership.person_id
        users.append(user)
    db.session.commit()
    return Course(cohort, group, other_group, joint, own, others, users[0], users[1],
                  make_user("coordinator"))


@pytest.fixture
def coordinator(client, course):
    login_as(client, course.coordinator)
    return client
