"""Who a user is to the programme: the four roles, and the question every scoped model asks.

The roles live below every feature so that a model can answer "may this user see me?"
(`can_view(user)`, `visible_to(user)`) without importing the users feature, which stands on
the organisations and people it refers to.
"""
from typing import Protocol

from flask_babel import lazy_gettext as _l

from tracker.db_types import Labelled


class Role(Labelled):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    AGENCY = "agency"
    MINISTRY = "ministry"
    # Issue 13: a member of a leadership group who is neither its top leader nor its contact
    # person. Such an account is tied to a person (User.person_id), not to an organisation, and
    # sees only that person's own groups on their own page (groups.mine): no organisation is in
    # its scope (Organisation.visible_to), so no other page shows it anything.
    PARTICIPANT = "participant"

    __labels__ = {
        "admin": _l("Administrator"),
        "coordinator": _l("Coordinator"),
        # The enum keeps its name; the label says what the role is now that ministries'
        # own leadership groups have such accounts too.
        "agency": _l("Group leader"),
        "ministry": _l("Ministry viewer"),
        "participant": _l("Participant"),
    }


# Difi's programme staff: they see and change everything in the programme.
STAFF = frozenset({Role.ADMIN, Role.COORDINATOR})


class Reader(Protocol):
    """What a scope rule needs to know of a user: their role, their organisation and, for a
    coordinator limited to some programmes, which (`programme_ids`)."""

    role: Role
    organisation_id: int | None

    @property
    def is_staff(self) -> bool: ...

    @property
    def programme_ids(self) -> frozenset[int] | None:
        """The programmes a coordinator is limited to; None: every programme (an administrator,
        a coordinator with no limit, and every role outside the staff, whose scope is their
        organisation's)."""
        ...


def programme_limit(user: Reader) -> frozenset[int] | None:
    """The programmes a staff member may see and change, or None for all of them: the one
    question the cohort, group and session rules add for staff."""
    return user.programme_ids if user.is_staff else None
