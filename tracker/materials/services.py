"""Course materials: adding a file or a link to a session or a module, deleting it, and who may
see it.

Who may see a material (docs/ARCHITECTURE.md, "who may see a material"):
- staff (administrators and coordinators) see every material;
- anyone else sees a session's material when their person (`User.person_id`) is expected at
  that session: a top leader or member of its group (of any group of the cohort for a joint
  session) who belongs to it on the session's day, of a group taking part
  (`schedule.attendance.expected_memberships`, `belongs_on`), or a guest added to it
  (`SessionGuest`, a stand-in among them); and a module's material when they are expected at
  any session of that module in one of their cohorts;
- nobody else: not a ministry viewer or an agency leader because the group is in their scope,
  if they are not expected themselves (the materials are the participants' course content, not
  part of what a ministry follows), and no one through a cancelled group.
The scope rules of `Session.visible_to` do not add readers, and do not take away an expected
guest from another organisation: being expected is the whole test. Because it asks who is
expected, a service of the schedule, the rule lives here and not on the model.
"""
from collections.abc import Iterable
from urllib.parse import urlsplit

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from tracker import bounds
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.groups.models import Enrolment
from tracker.materials import storage
from tracker.materials.models import MAX_FILENAME, MAX_TITLE, MAX_URL, WEB_SCHEMES, Material
from tracker.people.models import Membership
from tracker.programmes.models import CourseModule
from tracker.roles import Reader, programme_limit
from tracker.schedule.attendance import EXPECTED_ROLES, expected_memberships
from tracker.schedule.models import Session, SessionGuest

Target = Session | CourseModule


# Who may see what


def _person_of(user: Reader) -> int | None:
    return getattr(user, "person_id", None)


def expected_sessions(person_id: int, sessions: Iterable[Session]) -> set[int]:
    """The ids of those `sessions` the person is expected at, in two queries: their own
    memberships and their guest places."""
    sessions = list(sessions)
    if not sessions:
        return set()
    memberships = db.session.scalars(
        select(Membership)
        .where(Membership.person_id == person_id, Membership.role.in_(EXPECTED_ROLES))
        .options(joinedload(Membership.enrolment))
    ).all()
    guest_at = set(db.session.scalars(
        select(SessionGuest.session_id).where(
            SessionGuest.person_id == person_id,
            SessionGuest.session_id.in_([s.id for s in sessions]))))
    return expected_among(sessions, memberships, guest_at)


def expected_among(sessions: Iterable[Session], memberships: Iterable[Membership],
                   guest_at: set[int]) -> set[int]:
    """The ids of those `sessions` a person is expected at, given their memberships (with group
    loaded; any roles) and the ids of the sessions they are a guest at: for a page that has
    loaded both already."""
    memberships = list(memberships)
    expected = set()
    for session in sessions:
        if session.id in guest_at:
            expected.add(session.id)
            continue
        # expected_memberships takes the cohort's memberships: give it this person's there.
        mine = [m for m in memberships if m.enrolment.cohort_id == session.cohort_id]
        if mine and expected_memberships(session, mine):
            expected.add(session.id)
    return expected


def _sessions_of_module_for(person_id: int, module_id: int) -> list[Session]:
    """The sessions of a module the person could be expected at: in the cohorts of their
    groups, and those they are a guest at."""
    cohorts = select(Enrolment.cohort_id).join(Membership, Membership.enrolment_id == Enrolment.id) \
        .where(Membership.person_id == person_id)
    guest_at = select(SessionGuest.session_id).where(SessionGuest.person_id == person_id)
    return list(db.session.scalars(
        select(Session).where(Session.module_id == module_id,
                              or_(Session.cohort_id.in_(cohorts), Session.id.in_(guest_at)))))


def may_see(user: Reader, material: Material) -> bool:
    """Whether the user may see (and download) the material: staff, or someone expected at
    its session, or at a session of its module (module docstring)."""
    if user.is_staff:
        # a coordinator limited to some programmes sees their sessions' and modules' materials
        limit = programme_limit(user)
        if limit is None:
            return True
        if material.session_id is not None:
            return material.session.can_view(user)
        return material.module.programme_id in limit
    person_id = _person_of(user)
    if person_id is None:
        return False
    if material.session_id is not None:
        return bool(expected_sessions(person_id, [material.session]))
    return bool(expected_sessions(person_id, _sessions_of_module_for(person_id, material.module_id)))


# `allows(user, endpoint, record)` and templates' `may(endpoint, record)` ask a record's
# `can_view(user)`: a material's is `may_see`, which asks the schedule's services, so it is
# attached here, beside the rule, rather than written on the model (models import no services).
Material.can_view = lambda material, user: may_see(user, material)


def materials_for(user: Reader, sessions: Iterable[Session], expected: set[int] | None = None,
                  materials: list[Material] | None = None) -> dict[int, list[Material]]:
    """The materials the user may see for each of these sessions, by session id: the
    module's materials first, then the session's own, each in the order they were added.
    A session the user may see none for is left out. Three queries in all; none for what the
    page has loaded already: `expected`, the ids of those sessions the user's person is
    expected at (`expected_among`), and `materials`, every material of the sessions and of
    their modules (any order).

    For the participant's own page ("materials of my sessions"): it lists exactly what
    `may_see` would let the user download.
    """
    sessions = list(sessions)
    if user.is_staff:
        shown = sessions
    else:
        if expected is None:
            person_id = _person_of(user)
            expected = expected_sessions(person_id, sessions) if person_id is not None else set()
        shown = [s for s in sessions if s.id in expected]
    if not shown:
        return {}
    if materials is None:
        materials = db.session.scalars(
            select(Material)
            .where(or_(Material.session_id.in_([s.id for s in shown]),
                       Material.module_id.in_({s.module_id for s in shown})))
        ).all()
    materials = sorted(materials, key=lambda m: (m.created_at, m.id))
    found: dict[int, list[Material]] = {}
    for session in shown:
        mine = [m for m in materials if m.module_id == session.module_id] + \
               [m for m in materials if m.session_id == session.id]
        if mine:
            found[session.id] = mine
    return found


def get_material_or_404(material_id: int, for_user: Reader) -> Material:
    """The material with this id, if the user may see it (`may_see`).

    :raise 404: when there is none, or the user may not see it (an outsider cannot tell the
        two apart).
    """
    material = db.session.get(Material, material_id)
    if material is None or not may_see(for_user, material):
        abort(404)
    return material


def materials_of(target: Target) -> list[Material]:
    """A session's or a module's own materials, in the order they were added (for staff)."""
    column = Material.session_id if isinstance(target, Session) else Material.module_id
    return list(db.session.scalars(
        select(Material).where(column == target.id).order_by(Material.created_at, Material.id)))


# Adding and deleting

FILE_FIELD, URL_FIELD, TITLE_FIELD = "file", "url", "title"


def check_filename(filename: str) -> str:
    """The uploaded file's name, as it will be offered back on download.

    :raise DomainError: (field "file") for no name, one with a path separator, a control
        character (NUL among them), a name longer than MAX_FILENAME, or no name before the
        extension.
    """
    if not filename or not filename.strip():
        raise DomainError(_l("File: the file has no name."), field=FILE_FIELD)
    if "/" in filename or "\\" in filename:
        raise DomainError(_l("File: the file's name must not hold a slash (/) or a backslash."), field=FILE_FIELD)
    if bounds.has_control_characters(filename):
        raise DomainError(_l("File: the file's name holds control characters; rename the file."),
                          field=FILE_FIELD)
    if len(filename) > MAX_FILENAME:
        raise DomainError(_l("File: the file's name is longer than %(max)s characters; rename "
                             "the file.", max=MAX_FILENAME), field=FILE_FIELD)
    if filename.strip() in (".", "..") or not filename.rsplit(".", 1)[0].strip():
        raise DomainError(_l("File: the file's name is only an extension; rename the file."),
                          field=FILE_FIELD)
    return filename.strip()


def check_file(filename: str, data: bytes) -> storage.FileType:
    """The file's type, when its name and bytes agree on one we accept and it is not empty or
    too large.

    :raise DomainError: (field "file") naming what is wrong; nothing has been written.
    """
    check_filename(filename)
    file_type = storage.FILE_TYPES.get(storage.extension_of(filename))
    if file_type is None:
        raise DomainError(_l("File: only PDF, Word (.docx), Excel (.xlsx), PowerPoint (.pptx), "
                             "OpenDocument (.odt, .ods, .odp) and text (.txt) files can be "
                             "uploaded."), field=FILE_FIELD)
    if not data:
        raise DomainError(_l("File: the file is empty."), field=FILE_FIELD)
    if len(data) > storage.max_bytes():
        raise DomainError(_l("File: the file is larger than %(mb)s MB.",
                             mb=storage.max_bytes() // (1024 * 1024)), field=FILE_FIELD)
    if not storage.content_matches(file_type.extension, data):
        raise DomainError(_l("File: the file is not the %(type)s file its name says it is (or "
                             "it holds macros).", type=file_type.extension.upper()),
                          field=FILE_FIELD)
    return file_type


def check_url(url: str) -> str:
    """An http or https address with a host, as given (trimmed).

    :raise DomainError: (field "url") for any other address: javascript:, data:, file:,
        mailto:, one without a host, with spaces or control characters, or too long.
    """
    url = (url or "").strip()
    if len(url) > MAX_URL:
        raise DomainError(_l("Link: at most %(max)s characters.", max=MAX_URL), field=URL_FIELD)
    problem = _l("Link: enter an address that starts with https:// or http://.")
    if bounds.has_control_characters(url) or any(c.isspace() for c in url):
        raise DomainError(problem, field=URL_FIELD)
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        raise DomainError(problem, field=URL_FIELD) from None
    if parts.scheme.lower() not in WEB_SCHEMES or not host:
        raise DomainError(problem, field=URL_FIELD)
    return url


def _title(title: str | None, fallback: str) -> str:
    title = (title or "").strip()
    if bounds.has_control_characters(title):
        raise DomainError(_l("Title: remove the line breaks and control characters."),
                          field=TITLE_FIELD)
    if len(title) > MAX_TITLE:
        raise DomainError(_l("Title: at most %(max)s characters.", max=MAX_TITLE), field=TITLE_FIELD)
    return title or fallback[:MAX_TITLE]


def _attach(material: Material, target: Target) -> Material:
    if isinstance(target, Session):
        material.session = target
    else:
        material.module = target
    db.session.add(material)
    db.session.flush()
    return material


def add_file(target: Target, *, filename: str, data: bytes, title: str | None = None) -> Material:
    """Keep an uploaded file for a session or module: checked (`check_file`), written under a
    new random name, and its row flushed. A rolled-back transaction removes the file again.

    :raise DomainError: for a bad name, type, size or title; nothing is written then.
    """
    filename = check_filename(filename)
    file_type = check_file(filename, data)
    title = _title(title, filename)
    storage_name = storage.store(data)
    return _attach(Material(title=title, storage_name=storage_name, filename=filename,
                            file_type=file_type.extension, size=len(data)), target)


def add_link(target: Target, *, url: str, title: str | None = None) -> Material:
    """Add a link for a session or module.

    :raise DomainError: for an address that is not http(s) (`check_url`), or a bad title.
    """
    url = check_url(url)
    return _attach(Material(title=_title(title, url), url=url), target)


def delete_material(material: Material) -> None:
    """Delete a material; its file is removed once the deletion is committed."""
    db.session.delete(material)
    db.session.flush()
