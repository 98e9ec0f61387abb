"""The one rule for low attendance, shared by the attention list and the coordinators' alerts."""
import pytest

from tracker.schedule.attendance import MINIMUM_HELD_SESSIONS, AttendanceTally
from tracker.schedule.models import AttendanceStatus

P, A, E = AttendanceStatus.PRESENT, AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED


@pytest.mark.parametrize("held, marks, low", [
    (3, [P, P, A], True),  # 2 of 3 marked: 66 %
    (3, [P, P, E, P], False),  # 3 of 4: 75 %, not below
    (3, [P, P, E], True),  # an excused absence is not presence
    (3, [P, P, P, None, None], False),  # an empty register line is not known, not absent
    (3, [None, None, None], False),  # nothing marked: nothing to judge
    (MINIMUM_HELD_SESSIONS - 1, [A, A], False),  # too early to judge
])
def test_low_is_present_of_marked_below_the_threshold_once_three_are_held(held, marks, low):
    assert AttendanceTally.of(held, marks).is_low(0.75) is low


def test_the_threshold_comes_from_the_alerts_setting(app, monkeypatch):
    tally = AttendanceTally.of(3, [P, P, P, A])  # 75 %
    with app.app_context():
        monkeypatch.setitem(app.config, "ATTENDANCE_ALERT_THRESHOLD", 0.8)
        assert tally.is_low()
        monkeypatch.setitem(app.config, "ATTENDANCE_ALERT_THRESHOLD", 0.75)
        assert not tally.is_low()
