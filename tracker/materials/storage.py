"""Where the materials' files are kept, which files are accepted, and that a file lives exactly
as long as its row.

- **Outside the web root**: `MATERIALS_FOLDER` (default instance/materials), never under static/;
  a file is only ever read back by the download view, after the access check.
- **A random name**: 32 hex characters from `secrets`, never the uploaded name, created with
  O_EXCL so two uploads at once can never write the same file.
- **Checked twice**: the name's extension must be one of `FILE_TYPES`, and the bytes must be
  what that extension says (a PDF starts with %PDF-, a .docx is a zip with [Content_Types].xml
  and a word/ part and no macros, …). An .exe renamed .pdf, an HTML page renamed .txt or an SVG
  is refused before anything is written.
- **With its row**: a file written in a transaction that rolls back is removed at its end; a file
  whose row (or session, module, group, cohort, programme) is deleted is removed only *after* the
  commit, so a rolled-back delete loses nothing. `sweep_orphans` removes what a crash or a bulk
  delete left behind (`flask --app tracker materials sweep`).
"""
import io
import os
import re
import secrets
import zipfile
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import event, or_, select
from sqlalchemy.orm import Session as DatabaseSession

from tracker import bounds, clock
from tracker.cohorts.models import Cohort
from tracker.extensions import db
from tracker.groups.models import Enrolment
from tracker.materials.models import Material
from tracker.programmes.models import CourseModule, Programme
from tracker.schedule.models import Session

# A storage name: what `store` makes, and all `path_of` and the sweep will touch.
STORAGE_NAME = re.compile(r"[0-9a-f]{32}")
DEFAULT_MAX_BYTES = 25 * 1024 * 1024


@dataclass(frozen=True)
class FileType:
    extension: str
    mimetype: str


FILE_TYPES = {
    "pdf": FileType("pdf", "application/pdf"),
    "docx": FileType("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": FileType("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pptx": FileType("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    "odt": FileType("odt", "application/vnd.oasis.opendocument.text"),
    "ods": FileType("ods", "application/vnd.oasis.opendocument.spreadsheet"),
    "odp": FileType("odp", "application/vnd.oasis.opendocument.presentation"),
    # Sent as text/plain; charset=utf-8 (send_file adds the charset to a text type).
    "txt": FileType("txt", "text/plain"),
}
# The folder inside an Office Open XML package that holds the document itself.
_OOXML_MAIN_PART = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}
# Parts that carry macros: a .docm renamed .docx still holds one of these.
_MARKUP_STARTS = ("<!doctype", "<html", "<head", "<body", "<script", "<svg", "<?xml", "<iframe",
                  "<object", "<embed", "<meta")
_MACRO_PARTS = re.compile(r"(^|/)(vbaProject\.bin|vbaData\.xml)$|^(Basic|Scripts)/", re.IGNORECASE)


def max_bytes() -> int:
    return int(current_app.config.get("MATERIALS_MAX_BYTES") or DEFAULT_MAX_BYTES)


def folder() -> str:
    """The folder the files are kept in, made (readable by the app's user alone) when missing."""
    path = current_app.config.get("MATERIALS_FOLDER") or os.path.join(
        current_app.instance_path, "materials")
    os.makedirs(path, mode=0o700, exist_ok=True)
    return path


def path_of(storage_name: str) -> str:
    """The file of a storage name; only names `store` makes are ever joined to the folder."""
    if not STORAGE_NAME.fullmatch(storage_name or ""):
        raise ValueError("not a storage name")
    return os.path.join(folder(), storage_name)


def extension_of(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def _zip_names(data: bytes) -> tuple[zipfile.ZipFile, list[str]] | None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        return archive, archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None


def content_matches(extension: str, data: bytes) -> bool:
    """Whether the bytes are a file of the type the extension names (`FILE_TYPES`).

    Only the archive's table of contents (and an ODF's 47-byte mimetype entry) is read, never
    its documents, so a zip bomb costs nothing here.
    """
    if extension == "pdf":
        return data.startswith(b"%PDF-")
    if extension == "txt":
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return False
        if bounds.has_control_characters(text.replace("\f", ""), multiline=True):
            return False
        # A web page or an image in words is not a text: a browser that ignored the type we
        # send would run it.
        return not text.lstrip().lower().startswith(_MARKUP_STARTS)
    opened = _zip_names(data) if data.startswith(b"PK\x03\x04") else None
    if opened is None:
        return False
    archive, names = opened
    if any(_MACRO_PARTS.search(name) for name in names):
        return False
    if extension in _OOXML_MAIN_PART:
        return "[Content_Types].xml" in names and any(
            name.startswith(_OOXML_MAIN_PART[extension]) for name in names)
    if extension in ("odt", "ods", "odp"):
        if "mimetype" not in names or archive.getinfo("mimetype").file_size > 100:
            return False
        try:
            declared = archive.read("mimetype").decode("ascii", "replace").strip()
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError):
            return False
        return declared == FILE_TYPES[extension].mimetype
    return False


# Writing and removing files, in step with the transaction

_WRITTEN = "materials_written"  # files written in this transaction: removed if it rolls back
_DOOMED = "materials_doomed"    # files whose rows this transaction deletes: removed after commit


def store(data: bytes) -> str:
    """Write the bytes under a new random name and return that name.

    O_EXCL: a name that exists (it will not, at 128 random bits) is never overwritten. The file
    is removed again if the transaction rolls back (`_end_of_transaction`).
    """
    while True:
        name = secrets.token_hex(16)
        try:
            handle = os.open(path_of(name), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        break
    db.session.info.setdefault(_WRITTEN, set()).add(name)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
    except BaseException:
        remove(name)
        raise
    return name


def remove(storage_name: str) -> None:
    """Remove a file; one already gone is no error."""
    try:
        os.remove(path_of(storage_name))
    except FileNotFoundError:
        pass
    except OSError:
        current_app.logger.exception("Could not remove the material file %s", storage_name)


def _vanishing(session: DatabaseSession) -> set[str]:
    """The storage names of every material this flush deletes: its own rows, and those the
    database deletes with a session, module, group, cohort or programme (ON DELETE CASCADE)."""
    deleted = list(session.deleted)
    names = {m.storage_name for m in deleted if isinstance(m, Material) and m.storage_name}
    ids = {kind: [r.id for r in deleted if isinstance(r, kind) and r.id is not None]
           for kind in (Session, CourseModule, Enrolment, Cohort, Programme)}
    if not any(ids.values()):
        return names
    clauses = []
    if ids[Session]:
        clauses.append(Material.session_id.in_(ids[Session]))
    if ids[CourseModule]:
        clauses.append(Material.module_id.in_(ids[CourseModule]))
    if ids[Enrolment]:
        clauses.append(Material.session_id.in_(
            select(Session.id).where(Session.enrolment_id.in_(ids[Enrolment]))))
    if ids[Cohort]:
        clauses.append(Material.session_id.in_(
            select(Session.id).where(Session.cohort_id.in_(ids[Cohort]))))
    if ids[Programme]:
        modules = select(CourseModule.id).where(CourseModule.programme_id.in_(ids[Programme]))
        clauses.append(Material.module_id.in_(modules))
        clauses.append(Material.session_id.in_(select(Session.id).where(Session.module_id.in_(modules))))
    with session.no_autoflush:
        names.update(session.scalars(
            select(Material.storage_name).where(Material.storage_name.is_not(None), or_(*clauses))))
    return names


@event.listens_for(DatabaseSession, "before_flush")
def _note_files_to_remove(session: DatabaseSession, flush_context, instances) -> None:
    names = _vanishing(session)
    if names:
        session.info.setdefault(_DOOMED, set()).update(names)


@event.listens_for(DatabaseSession, "after_commit")
def _remove_files_after_commit(session: DatabaseSession) -> None:
    """The rows are gone for good: now their files go. A file written in this transaction
    stays (its row is committed), unless the same transaction deleted it again."""
    doomed = session.info.pop(_DOOMED, set())
    session.info.pop(_WRITTEN, None)
    for name in doomed:
        remove(name)


@event.listens_for(DatabaseSession, "after_transaction_end")
def _end_of_transaction(session: DatabaseSession, transaction) -> None:
    """A transaction that ends without a commit (after_commit has emptied both lists when it
    committed) rolled back: the files it wrote have no rows, and those it deleted keep theirs."""
    if transaction.parent is not None:
        return
    written = session.info.pop(_WRITTEN, set())
    session.info.pop(_DOOMED, None)
    for name in written:
        remove(name)


def sweep_orphans(session: DatabaseSession, older_than: timedelta = timedelta(hours=1)) -> list[str]:
    """Remove the files no material row names, older than `older_than` (a younger one may be
    an upload whose transaction has not committed yet). Returns the names removed."""
    names = {name for name in os.listdir(folder()) if STORAGE_NAME.fullmatch(name)}
    if not names:
        return []
    known = set(session.scalars(select(Material.storage_name).where(Material.storage_name.is_not(None))))
    cutoff = clock.now().timestamp() - older_than.total_seconds()
    removed = []
    for name in sorted(names - known):
        try:
            if os.stat(path_of(name)).st_mtime > cutoff:
                continue
        except FileNotFoundError:
            continue
        remove(name)
        removed.append(name)
    return removed
