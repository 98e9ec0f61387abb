"""People and their places in leadership groups. What the tracker holds about one person across
every feature, and erasing it, is tracker.privacy's."""
from datetime import date

import idna

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from tracker.concurrency import check_version
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.groups.models import Enrolment
from tracker.people.models import MemberRole, Membership, Person
from tracker.i18n import local_date
from tracker.organisations.models import Organisation
from tracker.roles import Reader


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


def people(search: str = "") -> Select[tuple[Person]]:
    """People by name (erased ones last), optionally those whose name or email contains `search`."""
    query = select(Person).options(selectinload(Person.organisation)).order_by(
        Person.name.is_(None), Person.name, Person.id
    )
    if search.strip():
        pattern = f"%{search.strip().lower()}%"
        query = query.where(or_(Person.name.ilike(pattern), Person.email.ilike(pattern)))
    return query


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
    query = select(Person.id).where(Person.email == email)
    if person is not None:
        query = query.where(Person.id != person.id)
    if db.session.scalar(query):
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
