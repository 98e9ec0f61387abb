"""A group's attendance tally counted the plain way, session by session in Python: the
reference `tracker.schedule.attendance.attendance_tallies` (which counts in SQL) is checked
against, as the survey's and the sector overview's old figures are
(tests/surveys/reference_results.py, tests/reports/reference_overview.py)."""
from collections.abc import Collection, Iterable

from tracker.groups.models import Enrolment
from tracker.people.models import Membership
from tracker.schedule.attendance import AttendanceTally, expected_memberships
from tracker.schedule.models import AttendanceStatus, Session, SessionStatus


def group_attendance(
    enrolment: Enrolment,
    cohort_sessions: Iterable[Session],
    memberships: list[Membership],
    marks: dict[tuple[int, int], AttendanceStatus],
    notices: Collection[tuple[int, int]] = frozenset(),
) -> AttendanceTally:
    """The group's tally over the held sessions it was expected at, everyone expected there
    counted, from data loaded beforehand (no queries): `cohort_sessions` are its cohort's,
    `memberships` the group's, `marks` the statuses recorded by (session id, person id), and
    `notices` the (session id, person id) of the notices of absence given in advance."""
    held = [s for s in cohort_sessions if s.status is SessionStatus.HELD and s.is_for_group(enrolment)]
    statuses: list[AttendanceStatus | None] = []
    noticed: list[bool] = []
    sessions = 0
    for session in held:
        expected = expected_memberships(session, memberships)
        sessions += bool(expected)
        statuses += [marks.get((session.id, m.person_id)) for m in expected]
        noticed += [(session.id, m.person_id) in notices for m in expected]
    return AttendanceTally.of(sessions, statuses, noticed)
