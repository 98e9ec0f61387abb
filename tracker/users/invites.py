"""A coordinator invites a member of a leadership group to the tracker (issue 13).

The account is made as an administrator makes one (`create_user`) and the invitation is the
accounts' own (`tracker.users.links.send_invitation`), but the address is the person's and the
account is tied to the person (`User.person_id`), so it shows them their own groups.

Which role: the group's top leader and contact person get a group leader's account
(`Role.AGENCY`, scoped to the group's organisation), as group leaders always have; any other
member gets a participant's (`Role.PARTICIPANT`), which sees only the groups the person is a
member of, on their own page, and nothing of the rest of the organisation.
"""
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from tracker import clock
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.groups.models import Enrolment
from tracker.people.models import MemberRole, Membership
from tracker.roles import Role
from tracker.users.links import send_invitation
from tracker.users.models import AccountLink, AccountStatus, User
from tracker.users.services import create_user

# The members whose account is a group leader's: they run the group with the coordinators.
LEADING_ROLES = (MemberRole.TOP_LEADER, MemberRole.CONTACT)


@dataclass(frozen=True)
class Invited:
    """What inviting a member did: `created` a new account, or sent a new invitation to the
    person's account that nobody has got into yet (`link` is the invitation either way); or,
    for an account with the person's address that signs in already and was tied to no person,
    tied it to them (`link` None: they sign in as before and now see their groups)."""

    user: User
    link: AccountLink | None
    created: bool


def account_role_for(membership: Membership) -> Role:
    return Role.AGENCY if membership.role in LEADING_ROLES else Role.PARTICIPANT


def is_current(membership: Membership) -> bool:
    """Has the member not left the group (by today)?"""
    return membership.not_left_by(clock.today())


def account_of(person_id: int, email: str | None) -> User | None:
    """The account tied to the person, or else the one with their address."""
    conditions = [User.person_id == person_id]
    if email:
        conditions.append(User.email == email)
    return db.session.scalars(
        select(User).where(or_(*conditions)).order_by((User.person_id == person_id).desc(), User.id)
    ).first()


def account_statuses(person_ids: list[int]) -> dict[int, AccountStatus]:
    """The status of the account tied to each of the people who have one, by person: what a
    group's member list says instead of offering an invitation to someone who signs in
    already. One statement, none without people."""
    if not person_ids:
        return {}
    return {user.person_id: user.status
            for user in db.session.scalars(select(User).where(User.person_id.in_(person_ids)))}


def invite_member(membership: Membership, *, sent_by: User) -> Invited:
    """Make the member an account tied to their person and mail them the invitation; or, when
    their account exists and nobody has got into it yet, mail a new invitation.

    :raise DomainError: (field "person") when the person has no address (erased), has left the
        group, already signs in, or their address is another person's account; or when the
        mail was not taken (then nothing is saved).
    """
    person = membership.person
    name = person.name or _l("(erased)")
    if person.erased_at is not None or not person.email:
        raise DomainError(_l("%(name)s has no e-mail address to invite.", name=name), field="person")
    if not is_current(membership):
        raise DomainError(_l("%(name)s has left the group; only current members are invited.",
                             name=name), field="person")
    user = account_of(person.id, person.email)
    if user is None:
        user = create_user(person.email, account_role_for(membership),
                           membership.enrolment.organisation
                           if membership.role in LEADING_ROLES else None,
                           invited_by=sent_by)
        user.person = person
        db.session.flush()
        link, _token = send_invitation(user, sent_by=sent_by)
        return Invited(user, link, created=True)
    if user.person_id is not None and user.person_id != person.id:
        raise DomainError(_l("The address %(email)s belongs to another person's account. Ask an "
                             "administrator to sort out the accounts.", email=person.email),
                          field="person")
    if user.status is not AccountStatus.INVITED:
        if user.person_id is None and user.active and not user.is_staff:
            # Their account from before (a group leader's, made by an administrator) is tied
            # to them now, so it shows their own groups and lets a leader propose changes.
            user.person = person
            db.session.flush()
            return Invited(user, None, created=False)
        raise DomainError(_l("%(name)s has an account already (%(email)s) and can sign in.",
                             name=name, email=user.email), field="person")
    if user.person_id is None:
        user.person = person
        db.session.flush()
    link, _token = send_invitation(user, sent_by=sent_by)
    return Invited(user, link, created=False)


@dataclass(frozen=True)
class GroupInvitations:
    invited: list[Invited]
    # Current members left out, by name: they sign in already, or have no address.
    skipped: list[str]


def invite_group(enrolment: Enrolment, *, sent_by: User) -> GroupInvitations:
    """Invite every current member of the group who has no account they can sign in to yet;
    members who have one (or no address) are left out and named. One mail that is not taken
    stops them all (nothing is saved).

    :raise DomainError: when no member was left to invite.
    """
    memberships = db.session.scalars(
        select(Membership).where(Membership.enrolment_id == enrolment.id)
        .order_by(Membership.id)
    ).all()
    invited, skipped = [], []
    for membership in memberships:
        if not is_current(membership):
            continue
        person = membership.person
        user = account_of(person.id, person.email)
        if (person.erased_at is not None or not person.email or (
                user is not None and (user.person_id not in (None, person.id) or (
                    user.status is not AccountStatus.INVITED and user.person_id is not None)))):
            skipped.append(person.name or str(_l("(erased)")))
            continue
        invited.append(invite_member(membership, sent_by=sent_by))
    if not invited:
        raise DomainError(_l("Every current member signs in already or has no e-mail address: "
                             "nobody was invited."), field="group")
    return GroupInvitations(invited, skipped)
