"""What a group's own leaders ask of the coordinators: changes to the group's member list.

A top leader or contact person does not change the member list; they propose a change (a new
member, a member leaving, a new role) and a coordinator accepts it (and it is applied by the
people services, under the same rules as the coordinator's own edit) or declines it.

The proposal names the user who made it, so it stands above the users feature: here, in
participants, rather than beside the people it is about.
"""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker import clock
from tracker.db_types import Labelled, UTCDateTime, enum_column
from tracker.extensions import db
from tracker.groups.models import Enrolment
from tracker.people.models import MemberRole, Membership
from tracker.roles import Reader
from tracker.users.models import User


class ProposalKind(Labelled):
    ADD = "add"
    REMOVE = "remove"
    CHANGE_ROLE = "change_role"

    __labels__ = {
        "add": _l("Add a member"),
        "remove": _l("Remove a member"),
        "change_role": _l("Change a member's role"),
    }


class ProposalState(Labelled):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"

    __labels__ = {
        "pending": _l("Waiting for a coordinator"),
        "accepted": _l("Accepted"),
        "declined": _l("Declined"),
    }
    __colours__ = {"pending": "info", "accepted": "success", "declined": "warning"}


class MemberProposal(db.Model):
    """A change to a group's member list proposed by one of its leaders, and what became of it.

    ADD holds the new member's name, e-mail, title and role; REMOVE the membership to end;
    CHANGE_ROLE the membership and its new role. The proposed values are kept as proposed, so
    the proposer and the coordinators read what was asked even after it was decided.
    """

    __tablename__ = "member_proposal"
    __table_args__ = (
        CheckConstraint("kind != 'ADD' OR (name IS NOT NULL AND email IS NOT NULL "
                        "AND role IS NOT NULL)", name="an_addition_names_the_member"),
        CheckConstraint("kind != 'CHANGE_ROLE' OR role IS NOT NULL",
                        name="a_role_change_names_the_role"),
        CheckConstraint("(state = 'PENDING') = (decided_at IS NULL)",
                        name="decided_when_not_pending"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id", ondelete="CASCADE"),
                                              index=True)
    kind: Mapped[ProposalKind] = mapped_column(enum_column(ProposalKind))
    # REMOVE and CHANGE_ROLE: the member it is about (gone if the membership is deleted).
    membership_id: Mapped[int | None] = mapped_column(
        ForeignKey("membership.id", ondelete="SET NULL"), index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    title: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[MemberRole | None] = mapped_column(enum_column(MemberRole))
    state: Mapped[ProposalState] = mapped_column(enum_column(ProposalState),
                                                 default=ProposalState.PENDING)
    proposed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    enrolment: Mapped[Enrolment] = relationship()
    membership: Mapped[Membership | None] = relationship()
    proposed_by: Mapped[User | None] = relationship(foreign_keys=[proposed_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def is_pending(self) -> bool:
        return self.state is ProposalState.PENDING

    def can_view(self, user: Reader) -> bool:
        """Staff who may see the group, and the user who proposed it."""
        if user.is_staff:
            return self.enrolment.can_view(user)
        return getattr(user, "id", None) is not None and user.id == self.proposed_by_id

    def __repr__(self) -> str:
        return f"<MemberProposal {self.id} {self.kind.name} {self.state.name}>"
