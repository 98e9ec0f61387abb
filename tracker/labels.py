"""What each programme status and kind is called in the reader's language."""
import enum

from flask_babel import lazy_gettext as _l

from tracker.models import (
    AuditAction,
    Role,
    AttendanceStatus,
    CohortStatus,
    EnrolmentStatus,
    MemberRole,
    ModuleKind,
    OrganisationKind,
    Season,
    SessionStatus,
    AssessmentKind,
    ProgressState,
)

LABELS: dict[enum.Enum, object] = {
    CohortStatus.PLANNED: _l("Planned"),
    CohortStatus.RUNNING: _l("Running"),
    CohortStatus.COMPLETED: _l("Completed"),
    EnrolmentStatus.INVITED: _l("Invited"),
    EnrolmentStatus.CONFIRMED: _l("Confirmed"),
    EnrolmentStatus.ACTIVE: _l("Active"),
    EnrolmentStatus.COMPLETED: _l("Completed"),
    EnrolmentStatus.WITHDRAWN: _l("Withdrawn"),
    SessionStatus.PLANNED: _l("Planned"),
    SessionStatus.HELD: _l("Held"),
    SessionStatus.CANCELLED: _l("Cancelled"),
    AttendanceStatus.PRESENT: _l("Present"),
    AttendanceStatus.ABSENT: _l("Absent"),
    AttendanceStatus.EXCUSED: _l("Excused"),
    MemberRole.TOP_LEADER: _l("Top leader"),
    MemberRole.MEMBER: _l("Member"),
    MemberRole.CONTACT: _l("Contact"),
    ModuleKind.ASSESSMENT: _l("Assessment"),
    ModuleKind.JOINT_GATHERING: _l("Joint gathering"),
    ModuleKind.GROUP_WORK: _l("Group work and coaching"),
    ModuleKind.EVALUATION: _l("Evaluation"),
    ModuleKind.MILESTONE: _l("Milestone"),
    OrganisationKind.MINISTRY: _l("Ministry"),
    OrganisationKind.DIRECTORATE: _l("Directorate or agency"),
    OrganisationKind.OTHER: _l("Other"),
    Role.ADMIN: _l("Administrator"),
    Role.COORDINATOR: _l("Coordinator"),
    Role.AGENCY: _l("Agency leader"),
    Role.MINISTRY: _l("Ministry viewer"),
    AuditAction.CREATE: _l("Created"),
    AuditAction.UPDATE: _l("Changed"),
    AuditAction.DELETE: _l("Deleted"),
    # Progress and assessments
    ProgressState.NOT_STARTED: _l("Not started"),
    ProgressState.IN_PROGRESS: _l("In progress"),
    ProgressState.DONE: _l("Done"),
    AssessmentKind.BASELINE: _l("Baseline"),
    AssessmentKind.FINAL: _l("Final"),
    # Schedule
    Season.SPRING: _l("Spring"),
    Season.AUTUMN: _l("Autumn"),
}


def status_label(value: enum.Enum) -> str:
    return str(LABELS[value])


def term_label(season: Season, year: int) -> str:
    return f"{status_label(season)} {year}"
