"""Changes to a group's member list proposed by its own leaders, and the coordinators' answer.

Who may propose: a signed-in user whose person is, today, the group's top leader or contact
person (`leads`). What they propose is checked as far as it can be now (an address that can be
mailed, not someone already in the group, not a second proposal for the same thing); accepting
it applies it through the people services (`add_membership`, `update_membership`) under the
same rules as a coordinator's own edit, so a rule that fails then (a second top leader) is told
to the coordinator and nothing is applied. A proposal is decided once: the second answer to the
same proposal (two coordinators, two tabs) is refused (`ProposalDecided`, a 409).
"""
from datetime import datetime
from email.message import EmailMessage

from flask import abort, current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, event, exists, inspect, select, update
from sqlalchemy.orm import Session as DatabaseSession
from sqlalchemy.orm import joinedload

from tracker import clock
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.groups.models import Enrolment
from tracker.mail import address, header_text
from tracker.outbox.models import MailKind
from tracker.outbox.services import queue
from tracker.people.models import MemberRole, Membership, Person
from tracker.people.services import (
    NAME_LENGTH,
    TITLE_LENGTH,
    add_membership,
    default_joined_on,
    normalise_email,
    update_membership,
)
from tracker.participants.models import MemberProposal, ProposalKind, ProposalState
from tracker.urls import absolute_url
from tracker.users.invites import LEADING_ROLES
from tracker.users.models import User
from tracker.users.services import active_coordinators
from tracker.users.services import check_email


class ProposalDecided(DomainError):
    """The proposal was accepted or declined already."""

    def __init__(self, proposal: MemberProposal):
        super().__init__(
            _l("This proposal was %(state)s already; nothing was changed.",
               state=str(proposal.state.label).lower()),
            field="decision",
        )
        self.proposal = proposal


def leads(user: User, enrolment: Enrolment) -> bool:
    """Is the user's person, today, the group's top leader or contact person?"""
    if not user.is_authenticated or user.person_id is None:
        return False
    return leads_as(db.session.scalar(select(Membership).where(
        Membership.enrolment_id == enrolment.id, Membership.person_id == user.person_id)),
        clock.today())


def leads_as(membership: Membership | None, day) -> bool:
    """Does this membership make its person the group's top leader or contact person on `day`
    (`leads`, for a page that has the user's memberships loaded)?"""
    return membership is not None and membership.role in LEADING_ROLES and membership.not_left_by(day)


def get_led_enrolment_or_404(enrolment_id: int, for_user: User) -> Enrolment:
    """The group, for one of its leaders to propose a change to.

    :raise 404: when there is none, or the user's person is not its top leader or contact.
    """
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None or not leads(for_user, enrolment):
        abort(404)
    return enrolment


def get_led_membership_or_404(membership_id: int, for_user: User) -> Membership:
    """A member of a group the user leads, for a proposal about them.

    :raise 404: when there is none, or the user's person does not lead the member's group.
    """
    membership = db.session.get(Membership, membership_id)
    if membership is None or not leads(for_user, membership.enrolment):
        abort(404)
    return membership


def get_proposal_or_404(proposal_id: int, for_user: User) -> MemberProposal:
    """:raise 404: when there is none, or the user may not see it (`MemberProposal.can_view`)."""
    proposal = db.session.get(MemberProposal, proposal_id)
    if proposal is None or not proposal.can_view(for_user):
        abort(404)
    return proposal


def proposals_of(enrolment: Enrolment) -> Select[tuple[MemberProposal]]:
    """The group's proposals, waiting ones first, then newest first; with who proposed them and
    the member they are about."""
    return (
        select(MemberProposal)
        .where(MemberProposal.enrolment_id == enrolment.id)
        # All many-to-one: joined, so the page asks one statement however many there are.
        .options(joinedload(MemberProposal.proposed_by),
                 joinedload(MemberProposal.membership).joinedload(Membership.person))
        .order_by((MemberProposal.state == ProposalState.PENDING).desc(),
                  MemberProposal.proposed_at.desc(), MemberProposal.id.desc())
    )


def proposals_by(user: User, enrolment: Enrolment) -> Select[tuple[MemberProposal]]:
    """What the user proposed for the group, newest first."""
    return proposals_of(enrolment).where(MemberProposal.proposed_by_id == user.id)


def _text(value: str | None, field: str, length: int, *, required: bool) -> str | None:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(_l("This field is required."), field=field)
    if len(value) > length:
        raise DomainError(_l("Use at most %(n)s characters.", n=length), field=field)
    return value or None


def _check_role(role: object, field: str = "role") -> MemberRole:
    if not isinstance(role, MemberRole):
        raise DomainError(_l("Choose a role."), field=field)
    return role


def propose_addition(enrolment: Enrolment, *, by: User, name: str, email: str,
                     title: str | None, role: MemberRole) -> MemberProposal:
    """Propose a new member for the group; the coordinators are told by mail.

    :raise DomainError: naming the field: a name or title too long or missing, an address that
        cannot be mailed, someone already in the group, the same person proposed already.
    """
    name = _text(name, "name", NAME_LENGTH, required=True)
    title = _text(title, "title", TITLE_LENGTH, required=False)
    email = check_email(email or "")  # field "email"
    role = _check_role(role)
    member = db.session.scalar(
        select(Person.name).join(Membership, Membership.person_id == Person.id)
        .where(Membership.enrolment_id == enrolment.id, Person.email == email,
               Membership.not_left_by(clock.today())))
    if member is not None:
        raise DomainError(_l("%(name)s is already a member of this group.", name=member),
                          field="email")
    if db.session.scalar(select(exists().where(
            MemberProposal.enrolment_id == enrolment.id, MemberProposal.kind == ProposalKind.ADD,
            MemberProposal.email == email, MemberProposal.state == ProposalState.PENDING))):
        raise DomainError(_l("This person is proposed already; the proposal waits for a "
                             "coordinator."), field="email")
    return _proposed(MemberProposal(enrolment=enrolment, kind=ProposalKind.ADD, name=name,
                                    email=email, title=title, role=role, proposed_by=by))


def propose_change(membership: Membership, *, by: User, kind: ProposalKind,
                   role: MemberRole | None = None) -> MemberProposal:
    """Propose that a member leaves the group (REMOVE) or takes another role (CHANGE_ROLE); the
    coordinators are told by mail.

    :raise DomainError: naming the field: a member who has left already, the role they have,
        a proposal about them waiting already.
    """
    if kind not in (ProposalKind.REMOVE, ProposalKind.CHANGE_ROLE):
        raise DomainError(_l("Choose what should change."), field="kind")
    name = membership.person.name or _l("(erased)")
    if membership.left_on is not None and membership.left_on <= clock.today():
        raise DomainError(_l("%(name)s has left the group already.", name=name), field="kind")
    if kind is ProposalKind.CHANGE_ROLE:
        role = _check_role(role)
        if role is membership.role:
            raise DomainError(_l("%(name)s has this role already.", name=name), field="role")
    else:
        role = None
    if db.session.scalar(select(exists().where(
            MemberProposal.membership_id == membership.id,
            MemberProposal.state == ProposalState.PENDING))):
        raise DomainError(_l("A proposal about %(name)s waits for a coordinator already.",
                             name=name), field="kind")
    return _proposed(MemberProposal(enrolment=membership.enrolment, kind=kind,
                                    membership=membership, role=role, proposed_by=by))


def _proposed(proposal: MemberProposal) -> MemberProposal:
    db.session.add(proposal)
    db.session.flush()
    tell_coordinators(proposal)
    return proposal



def what(proposal: MemberProposal) -> str:
    """The proposal in a sentence, in the current language."""
    if proposal.kind is ProposalKind.ADD:
        return _("Add %(name)s (%(role)s) to the group.", name=proposal.name,
                 role=str(proposal.role.label).lower())
    name = proposal.membership.person.name if proposal.membership else None
    name = name or _("(erased)")
    if proposal.kind is ProposalKind.REMOVE:
        return _("%(name)s leaves the group.", name=name)
    return _("%(name)s becomes %(role)s.", name=name, role=str(proposal.role.label).lower())


def proposal_message(proposal: MemberProposal, recipient: User, language: str) -> EmailMessage:
    """The mail telling a coordinator of a new proposal, in `language`."""
    with force_locale(language):
        group = proposal.enrolment.organisation.name(language)
        context = {
            "group": group,
            "cohort": proposal.enrolment.cohort.label,
            "what": what(proposal),
            "proposer": (proposal.proposed_by.person.name
                         if proposal.proposed_by and proposal.proposed_by.person
                         else proposal.proposed_by.email if proposal.proposed_by else ""),
            "url": absolute_url("groups.detail", enrolment_id=proposal.enrolment_id)
                   + "#member-proposals",
        }
        subject = _("Proposed change to the members of %(group)s", group=group)
        message = EmailMessage()
        message["Subject"] = header_text(subject)
        message["To"] = address(None, recipient.email)
        message.set_content(render_template("participants/mail/proposal.txt.html", **context))
        message.add_alternative(render_template("participants/mail/proposal.html",
                                                subject=subject, **context), subtype="html")
    return message


def tell_coordinators(proposal: MemberProposal) -> None:
    """One mail to each active coordinator, through the outbox, in the proposal's transaction."""
    for coordinator in active_coordinators():
        # Accounts have no language of their own: mail is in the app's, bokmål (as reminders).
        message = proposal_message(proposal, coordinator,
                                   current_app.config["BABEL_DEFAULT_LOCALE"])
        queue(message, kind=MailKind.MEMBER_PROPOSAL,
              key=f"member-proposal:{proposal.id}:{coordinator.id}")


def decide(proposal: MemberProposal, *, by: User, accept: bool) -> MemberProposal:
    """Accept (and apply) or decline a waiting proposal, once.

    The state changes in one conditional UPDATE, so two coordinators answering at the same
    moment cannot both: the second is refused. Accepting applies the change through the people
    services; a rule they refuse (a second top leader, a member who left) is raised and nothing
    is saved.

    :raise ProposalDecided: when it was decided already (by anyone, a moment ago too).
    :raise DomainError: when the people services refuse the change.
    """
    now: datetime = clock.now()
    state = ProposalState.ACCEPTED if accept else ProposalState.DECLINED
    done = db.session.execute(
        update(MemberProposal)
        .where(MemberProposal.id == proposal.id, MemberProposal.state == ProposalState.PENDING)
        .values(state=state, decided_at=now, decided_by_id=by.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(proposal)
    if done != 1:
        raise ProposalDecided(proposal)
    if accept:
        _apply(proposal)
    return proposal


def _apply(proposal: MemberProposal) -> None:
    enrolment = proposal.enrolment
    if proposal.kind is ProposalKind.ADD:
        person = db.session.scalar(select(Person).where(Person.email == normalise_email(proposal.email)))
        joined_on = default_joined_on(enrolment)  # as a coordinator's own addition
        if person is not None:
            add_membership(enrolment, person, role=proposal.role, joined_on=joined_on)
        else:
            add_membership(enrolment, new_person={"name": proposal.name, "email": proposal.email,
                                                  "title": proposal.title},
                           role=proposal.role, joined_on=joined_on)
        return
    membership = proposal.membership
    if membership is None:
        raise DomainError(_l("The member this proposal is about is no longer in the group."),
                          field="decision")
    if proposal.kind is ProposalKind.REMOVE:
        left_on = max(clock.today(), membership.joined_on)
        update_membership(membership, version=membership.version, role=membership.role,
                          joined_on=membership.joined_on, left_on=left_on)
    else:
        update_membership(membership, version=membership.version, role=proposal.role,
                          joined_on=membership.joined_on, left_on=membership.left_on)


# Erasure: a proposal to add someone holds their name, address and title as the leader typed
# them. When that person's data is erased (tracker.privacy), so are these copies, in the same
# flush; the proposal stays, naming no one, so the group's history still counts it.

@event.listens_for(DatabaseSession, "before_flush")
def _erased_people_leave_no_proposal(session: DatabaseSession, flush_context, instances) -> None:
    for person in [record for record in session.dirty if isinstance(record, Person)]:
        state = inspect(person)
        if person.erased_at is None or not state.attrs.erased_at.history.has_changes():
            continue
        emails = [e for e in (*state.attrs.email.history.deleted, person.email) if e]
        if not emails:
            continue
        with session.no_autoflush:
            session.execute(
                update(MemberProposal).where(MemberProposal.email.in_(emails))
                .values(name="–", email=f"erased-{person.id}@invalid", title=None)
                .execution_options(synchronize_session="fetch"))
