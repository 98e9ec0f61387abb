"""People and their places in leadership groups. What the tracker holds about one person across
every feature, and erasing it, is tracker.privacy's."""
from dataclasses import dataclass, field
from datetime import date

import idna

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, Select, case, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from tracker import bounds, clock
from tracker.bounds import LIKE_ESCAPE, contains, matches
from tracker.concurrency import check_version
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.groups.models import Enrolment
from tracker.people.models import MemberRole, Membership, Person
from tracker.i18n import local_date
from tracker.organisations.models import Organisation
from tracker.roles import Reader

class EmailTaken(DomainError):
    """A new person was given an address someone already has: the form offers `person` instead
    of a duplicate."""

    def __init__(self, person: Person, *, field: str):
        super().__init__(_l("%(name)s already has this email address.", name=person.name), field=field)
        self.person = person


def normalise_email(email: str) -> str:
    """An address as stored and compared: without surrounding spaces, in lower case, and with
    a domain in letters beyond a-z (bærum.kommune.no) in its ASCII form (IDNA,
    xn--brum-voa.kommune.no), the one a mail header carries, so one mailbox has one spelling.
    Never refuses: a domain that is no domain is left as typed (the forms refuse it)."""
    local, at, domain = email.strip().lower().rpartition("@")
    if at and domain and not domain.isascii():
        try:
            domain = idna.encode(domain, uts46=True).decode("ascii")
        except idna.IDNAError:
            pass
    return f"{local}{at}{domain}" if at else domain


def get_person_or_404(person_id: int, for_user: Reader) -> Person:
    """The person with this id, if the user may see them (`Person.can_view`).

    :raise 404: when there is none, or the user may not see them.
    """
    person = db.session.get(Person, person_id)
    if person is None or not person.can_view(for_user):
        abort(404)
    return person


# The people list's order: by name, erased people (no name) last, then by id. The index
# ix_person_name (name, id) holds people in this order on SQLite and PostgreSQL alike (each
# reads NULLS LAST off it), so a page of the list is read off the index, not a sort of everyone.
LIST_ORDER = (Person.name.asc().nulls_last(), Person.id)


def _found_by(search: str) -> ColumnElement[bool]:
    """The person's name or email, or their organisation's names or short name, holds `search`,
    fold()ed. The organisations are asked once, not joined to every person."""
    organisations = select(Organisation.id).where(
        matches(search, Organisation.name_nb, Organisation.name_en, Organisation.short_name))
    return or_(matches(search, Person.name, Person.email), Person.organisation_id.in_(organisations))


def people(search: str = "") -> Select[tuple[Person]]:
    """People by name (erased ones last), with their organisations, optionally those whose
    name, email or organisation (its names or short name) holds `search`, fold()ed: "ÅSE"
    finds Åse, "andre" André."""
    query = select(Person).options(joinedload(Person.organisation)).order_by(*LIST_ORDER)
    return query.where(_found_by(search.strip())) if search.strip() else query


def people_page(search: str, per_page: int) -> tuple[Pagination, list[Person]]:
    """The list's `?page=` of people() (`bounds.page_of`, a 404 past the end), and its people.

    The page is counted and paged by id alone, which the index holds, so neither the count nor
    a late page (the last of 18,000 people) reads the people it skips; the page's people are
    loaded with their organisations after, by id."""
    ids = select(Person.id).order_by(*LIST_ORDER)
    if search.strip():
        ids = ids.where(_found_by(search.strip()))
    page = bounds.page_of(ids, per_page)
    return page, list(db.session.scalars(people().where(Person.id.in_(page.items))))


def memberships_of(person: Person) -> list[Membership]:
    return db.session.scalars(
        select(Membership)
        .where(Membership.person_id == person.id)
        .options(selectinload(Membership.enrolment).selectinload(Enrolment.cohort),
                 selectinload(Membership.enrolment).selectinload(Enrolment.organisation))
        .order_by(Membership.joined_on)
    ).all()


# People and memberships

NAME_LENGTH, EMAIL_LENGTH, TITLE_LENGTH = 200, 254, 200


def members_of(enrolment: Enrolment) -> Select[tuple[Membership]]:
    """The group's members, top leader first, then by name, with the person loaded."""
    role_order = case(
        (Membership.role == MemberRole.TOP_LEADER, 0),
        (Membership.role == MemberRole.MEMBER, 1),
        else_=2,
    )
    return (
        select(Membership)
        .join(Membership.person)
        .where(Membership.enrolment_id == enrolment.id)
        .options(contains_eager(Membership.person))
        .order_by(role_order, Person.name, Person.id)
    )


def get_editable_person_or_404(person_id: int, for_user: Reader) -> Person:
    """The person with this id, to be edited.

    :raise 404: when there is none, the user may not see them, or their personal data is erased
        (there is nothing left to edit).
    """
    person = get_person_or_404(person_id, for_user)
    if person.erased_at is not None:
        abort(404)
    return person


def get_membership_or_404(membership_id: int, for_user: Reader) -> Membership:
    """The membership with this id, with its person and group, if the user may see the group.

    :raise 404: when there is none, or its group is outside the user's scope.
    """
    membership = db.session.scalar(
        select(Membership)
        .where(Membership.id == membership_id)
        .options(
            selectinload(Membership.person),
            selectinload(Membership.enrolment).selectinload(Enrolment.cohort),
            selectinload(Membership.enrolment).selectinload(Enrolment.organisation),
        )
    )
    if membership is None or not membership.can_view(for_user):
        abort(404)
    return membership


def candidates_for(enrolment: Enrolment) -> Select[tuple[Person]]:
    """People who could join the group: not erased, not in it already; the group's own
    organisation's people first, then by name."""
    members = select(Membership.person_id).where(Membership.enrolment_id == enrolment.id)
    return (
        select(Person)
        .where(Person.erased_at.is_(None), Person.id.not_in(members))
        .order_by(
            case((Person.organisation_id == enrolment.organisation_id, 0), else_=1),
            Person.name,
            Person.id,
        )
    )


def _text(value: str | None, field: str, length: int, *, required: bool) -> str | None:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(_l("This field is required."), field=field)
    if len(value) > length:
        raise DomainError(_l("Use at most %(n)s characters.", n=length), field=field)
    return value or None


def _checked_person_values(
    person: Person | None, *, name: str, email: str, title: str | None, field_prefix: str = ""
) -> dict:
    name = _text(name, field_prefix + "name", NAME_LENGTH, required=True)
    email = normalise_email(email or "")
    if not email:
        raise DomainError(_l("Enter an email address."), field=field_prefix + "email")
    local, _at, domain = email.rpartition("@")
    if not local or "." not in domain or any(c.isspace() for c in email):
        raise DomainError(_l("Enter a valid email address."), field=field_prefix + "email")
    if len(email) > EMAIL_LENGTH:
        raise DomainError(_l("Use at most %(n)s characters.", n=EMAIL_LENGTH), field=field_prefix + "email")
    query = select(Person).where(Person.email == email)
    if person is not None:
        query = query.where(Person.id != person.id)
    if (other := db.session.scalar(query)) is not None:
        if person is None:
            raise EmailTaken(other, field=field_prefix + "email")
        raise DomainError(_l("Another person has this email address."), field=field_prefix + "email")
    return {"name": name, "email": email,
            "title": _text(title, field_prefix + "title", TITLE_LENGTH, required=False)}


def create_person(
    *, name: str, email: str, title: str | None = None, organisation: Organisation | None = None,
    field_prefix: str = "",
) -> Person:
    """Add a person. Emails are stored in lower case and belong to one person only.

    `field_prefix` is put before the field names an error names, for forms whose person fields
    have other names.

    :raise DomainError: naming the field at fault.
    """
    values = _checked_person_values(None, name=name, email=email, title=title, field_prefix=field_prefix)
    person = Person(organisation=organisation, **values)
    db.session.add(person)
    db.session.flush()
    return person


def update_person(
    person: Person, *, version: object, name: str, email: str, title: str | None,
    organisation: Organisation | None,
) -> None:
    """Change a person's name, email, title and organisation.

    :raise ConflictError: when the person was saved since `version`.
    :raise DomainError: naming the field at fault, or when their personal data is erased.
    """
    check_version(person, version)
    if person.erased_at is not None:
        raise DomainError(_l("This person's personal data is erased; there is nothing to edit."))
    values = _checked_person_values(person, name=name, email=email, title=title)
    person.name, person.email, person.title = values["name"], values["email"], values["title"]
    person.organisation = organisation
    db.session.flush()


def _check_membership(
    enrolment: Enrolment,
    membership: Membership | None,
    *,
    role: MemberRole,
    joined_on: date,
    left_on: date | None,
) -> None:
    if not isinstance(role, MemberRole):
        raise DomainError(_l("Choose a role."), field="role")
    if joined_on is None:
        raise DomainError(_l("Enter the date the person joined the group."), field="joined_on")
    if joined_on > enrolment.cohort.planned_end:
        raise DomainError(
            _l("The cohort ends on %(end)s; a member cannot join after that.",
               end=local_date(enrolment.cohort.planned_end)),
            field="joined_on",
        )
    if left_on is not None and left_on < joined_on:
        raise DomainError(_l("The day the person left cannot be before the day they joined."),
                          field="left_on")
    if role is MemberRole.TOP_LEADER:
        _check_one_top_leader(enrolment, membership, joined_on, left_on)


def _check_one_top_leader(
    enrolment: Enrolment, membership: Membership | None, joined_on: date, left_on: date | None
) -> None:
    """A group has one top leader at a time: a new one may join the day the last one left."""
    query = (
        select(Membership)
        .where(
            Membership.enrolment_id == enrolment.id,
            Membership.role == MemberRole.TOP_LEADER,
            or_(Membership.left_on.is_(None), Membership.left_on > joined_on),
        )
        .options(selectinload(Membership.person))
        .order_by(Membership.joined_on)
    )
    if left_on is not None:
        query = query.where(Membership.joined_on < left_on)
    if membership is not None and membership.id is not None:
        query = query.where(Membership.id != membership.id)
    current = db.session.scalars(query).first()
    if current is not None:
        raise DomainError(
            _l("%(name)s is already the group's top leader (from %(joined)s). A group has one top "
               "leader at a time: record the day %(name)s left first, or choose another role.",
               name=current.person.name or _l("(erased)"), joined=local_date(current.joined_on)),
            field="role",
        )


def add_membership(
    enrolment: Enrolment,
    person: Person | None = None,
    *,
    new_person: dict | None = None,
    role: MemberRole,
    joined_on: date,
    left_on: date | None = None,
) -> Membership:
    """Add a person to a leadership group: an existing `person`, or a `new_person` (a dict of
    name, email and title) created in the group's organisation.

    A person is in a group at most once; they join no later than the cohort's planned end and
    leave no earlier than they joined; a group has one top leader at a time. Nothing is written
    unless every rule holds.

    :raise DomainError: naming the field at fault (a new person's fields start with "new_").
    """
    if (person is None) == (new_person is None):
        raise DomainError(
            _l("Choose one existing person, or fill in name and email for a new one."),
            field="person",
        )
    if person is not None:
        if person.erased_at is not None:
            raise DomainError(_l("This person's personal data is erased; choose someone else."),
                              field="person")
        if db.session.scalar(
            select(Membership.id).where(Membership.enrolment_id == enrolment.id,
                                        Membership.person_id == person.id)
        ):
            raise DomainError(_l("%(name)s is already a member of this group.", name=person.name),
                              field="person")
    _check_membership(enrolment, None, role=role, joined_on=joined_on, left_on=left_on)
    if new_person is not None:
        person = create_person(**new_person, organisation=enrolment.organisation, field_prefix="new_")
    membership = Membership(enrolment=enrolment, person=person, role=role, joined_on=joined_on,
                            left_on=left_on)
    db.session.add(membership)
    db.session.flush()
    return membership


def update_membership(
    membership: Membership, *, version: object, role: MemberRole, joined_on: date, left_on: date | None
) -> None:
    """Change a member's role and dates, under the same rules as adding them.

    :raise ConflictError: when the membership was saved since `version`.
    :raise DomainError: naming the field at fault.
    """
    check_version(membership, version)
    _check_membership(membership.enrolment, membership, role=role, joined_on=joined_on, left_on=left_on)
    membership.role, membership.joined_on, membership.left_on = role, joined_on, left_on
    db.session.flush()


# Finding people, and adding several at once

SEARCH_RESULTS = 20


def find_candidates(enrolment: Enrolment, search: str) -> list[Person]:
    """At most SEARCH_RESULTS people who could join the group whose name or email contains
    `search` (any case), the group's own organisation's people first. With no search, the
    group's own organisation's people: those a coordinator most often adds."""
    query = candidates_for(enrolment)
    search = search.strip()
    if search:
        pattern = contains(search.lower())
        query = query.where(or_(func.lower(Person.name).like(pattern, escape=LIKE_ESCAPE),
                                Person.email.like(pattern, escape=LIKE_ESCAPE)))
    else:
        query = query.where(Person.organisation_id == enrolment.organisation_id)
    return list(db.session.scalars(query.limit(SEARCH_RESULTS)))


PASTE_LINES = 100

# The words a coordinator may write for a role, in each of the tracker's languages, compared
# in lower case and without surrounding spaces. An empty role means a member.
ROLE_WORDS = {
    MemberRole.TOP_LEADER: ("top leader", "top_leader", "toppleder", "toppleiar"),
    MemberRole.MEMBER: ("member", "medlem", ""),
    MemberRole.CONTACT: ("contact", "contact person", "kontakt", "kontaktperson"),
}
# The email column's heading in a spreadsheet copied with its heading row.
HEADINGS = ("email", "e-mail", "e-post", "epost", "e-postadresse")
_ROLES_BY_WORD = {word: role for role, words in ROLE_WORDS.items() for word in words}


@dataclass
class PastedLine:
    """One line of a paste: what it says, the existing person it names by email, if any, and
    what is wrong with it (each problem a message naming the field)."""

    number: int
    name: str
    email: str
    role: MemberRole | None
    existing: Person | None = None
    problems: list[str] = field(default_factory=list)
    # A member of the group with this line's name but another address: perhaps the same person
    # with a second address, so the line is only added when the coordinator confirms it.
    namesake: Membership | None = None
    confirmed: bool = False

    @property
    def confirm_key(self) -> str:
        """What the line's "add anyway" box sends: its number and address, so that a tick
        given to one line does not carry over to another after the paste is edited."""
        return f"{self.number}|{self.email}"

    @property
    def needs_confirming(self) -> bool:
        return self.namesake is not None and not self.confirmed


def _split(line: str) -> list[str]:
    """The columns of a line as pasted from a spreadsheet (tabs), or typed with ; or , between."""
    for separator in ("\t", ";", ","):
        if separator in line:
            return [part.strip() for part in line.split(separator)]
    return [line.strip()]


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def read_pasted_members(enrolment: Enrolment, text: str, *, joined_on: date,
                        confirmed: frozenset[str] = frozenset()) -> list[PastedLine]:
    """Read a paste of "name, email, role" lines (empty lines skipped) and check each as adding
    it would: the fields' lengths and characters, the address, the role, one line per address,
    nobody already in the group, one top leader. An address someone already has is not a
    problem: the line then adds that person instead of a new one. A line with the name of
    someone already in the group, under another address, needs its `confirm_key` in
    `confirmed` (see `PastedLine.namesake`)."""
    lines: list[PastedLine] = []
    seen: dict[str, int] = {}
    top_leaders = 0
    # Split on line breaks only: str.splitlines would also split on (and so hide) control
    # characters such as a vertical tab, which must be refused with their line named.
    for number, raw in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1):
        if not raw.strip(" \t;,"):
            continue  # an empty line, or one of separators only (";;" from an empty spreadsheet row)
        parts = _split(raw)
        name, email, role_word = (parts + ["", "", ""])[:3]
        if not lines and email.lower() in HEADINGS:
            continue  # a spreadsheet's heading row, copied with the people under it
        line = PastedLine(number, name, normalise_email(email),
                          _ROLES_BY_WORD.get(role_word.lower()))
        lines.append(line)
        if len(lines) > PASTE_LINES:
            line.problems.append(str(_l("Paste at most %(n)s lines at a time.", n=PASTE_LINES)))
            break
        problems = line.problems
        if len(parts) > 3:
            problems.append(str(_l("Write name, email and role, and nothing more.")))
        if bounds.has_control_characters(raw.replace("\t", " ")):
            problems.append(str(_l("Remove the control characters.")))
        if not name:
            problems.append(str(_l("Name: enter the person's name.")))
        elif len(name) > NAME_LENGTH:
            problems.append(str(_l("Name: use at most %(n)s characters.", n=NAME_LENGTH)))
        problems += _email_problems(line.email)
        if line.role is None:
            problems.append(str(_l("Role: “%(word)s” is not a role; write top leader, member or "
                                   "contact.", word=bounds.printable(role_word)[:40])))
        if line.email and line.email in seen:
            problems.append(str(_l("Email: the same address is on line %(line)s.",
                                   line=seen[line.email])))
        seen.setdefault(line.email, number)
        if line.role is MemberRole.TOP_LEADER:
            top_leaders += 1
            if top_leaders > 1:
                problems.append(str(_l("Role: a group has one top leader at a time.")))
    _check_pasted_people(enrolment, [line for line in lines if not line.problems], joined_on)
    for line in lines:
        line.confirmed = line.confirm_key in confirmed
    return lines


def _email_problems(email: str) -> list[str]:
    if not email:
        return [str(_l("Email: enter an email address."))]
    local, _at, domain = email.rpartition("@")
    if not local or "." not in domain or any(c.isspace() for c in email):
        return [str(_l("Email: “%(email)s” is not a valid email address.",
                       email=bounds.printable(email)[:80]))]
    if len(email) > EMAIL_LENGTH:
        return [str(_l("Email: use at most %(n)s characters.", n=EMAIL_LENGTH))]
    return []


def _check_pasted_people(enrolment: Enrolment, lines: list[PastedLine], joined_on: date) -> None:
    """Find the people the lines' addresses belong to, and refuse those already in the group
    and a second top leader: in a fixed number of queries, however long the paste."""
    known = {person.email: person for person in db.session.scalars(
        select(Person).where(Person.email.in_([line.email for line in lines])))}
    memberships = db.session.scalars(
        select(Membership).join(Membership.person).options(contains_eager(Membership.person))
        .where(Membership.enrolment_id == enrolment.id).order_by(Membership.joined_on)).all()
    members = {membership.person_id for membership in memberships}
    # An erased member has no name left to be mistaken for.
    by_name = {_name_key(membership.person.name): membership for membership in memberships
               if membership.person.name}
    for line in lines:
        line.existing = known.get(line.email)
        if line.existing is not None and line.existing.id in members:
            line.problems.append(str(_l("%(name)s is already a member of this group.",
                                        name=line.existing.name)))
            continue
        namesake = by_name.get(_name_key(line.name))
        if namesake is not None and namesake.person is not line.existing:
            line.namesake = namesake
        if line.role is MemberRole.TOP_LEADER:
            try:
                _check_one_top_leader(enrolment, None, joined_on, None)
            except DomainError as error:
                line.problems.append(str(error))


def add_pasted_members(enrolment: Enrolment, text: str, *, joined_on: date,
                       confirmed: frozenset[str] = frozenset()) -> list[Membership]:
    """Add every person a paste names to the group, all or none, joining on `joined_on`: an
    existing person where the address is known, else a new person in the group's organisation.

    :raise DomainError: on field `lines`, listing every bad line with its number, when any line
        is bad or there is none; nothing is written then.
    """
    if joined_on is None or joined_on > enrolment.cohort.planned_end:
        _check_membership(enrolment, None, role=MemberRole.MEMBER, joined_on=joined_on, left_on=None)
    lines = read_pasted_members(enrolment, text, joined_on=joined_on, confirmed=confirmed)
    if not lines:
        raise DomainError(_l("Paste at least one line of name, email and role."), field="lines")
    bad = [line for line in lines if line.problems]
    if bad:
        # Each line's words first: pybabel does not find a call nested in another's arguments.
        named = [_l("line %(n)s: %(problems)s", n=line.number, problems=" ".join(line.problems))
                 for line in bad]
        raise DomainError(
            _l("Nothing is added: correct %(lines)s and try again.",
               lines="; ".join(str(words) for words in named)),
            field="lines",
        )
    unconfirmed = [line for line in lines if line.needs_confirming]
    if unconfirmed:
        named = [_l("line %(n)s (%(name)s)", n=line.number, name=line.name)
                 for line in unconfirmed]
        raise DomainError(
            _l("Nothing is added: %(lines)s has the name of someone already in the group, with "
               "another address. Tick “Add anyway” if it is another person, or remove the line.",
               lines=", ".join(str(words) for words in named)),
            field="lines",
        )
    memberships = []
    for line in lines:
        if line.existing is not None:
            memberships.append(add_membership(enrolment, line.existing, role=line.role,
                                              joined_on=joined_on))
        else:
            memberships.append(add_membership(
                enrolment, new_person={"name": line.name, "email": line.email, "title": None},
                role=line.role, joined_on=joined_on))
    return memberships


def default_joined_on(enrolment: Enrolment) -> date:
    """The day a member added now joins, unless the coordinator says otherwise: today while the
    cohort runs (they join mid-course); else its start, so someone added before the course is
    expected from its kick-off and someone recorded afterwards is recorded for the whole course."""
    today = clock.today()
    cohort = enrolment.cohort
    return today if cohort.start_date <= today <= cohort.planned_end else cohort.start_date
