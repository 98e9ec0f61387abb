"""Every model in one import, for Alembic and the shell."""
from tracker.cohorts.models import Cohort, CohortStatus, Season  # noqa: F401
from tracker.groups.models import Enrolment, EnrolmentStatus, EnrolmentStatusChange  # noqa: F401
from tracker.people.models import MemberRole, Membership, Person  # noqa: F401
from tracker.organisations.models import Organisation, OrganisationKind  # noqa: F401
from tracker.programmes.models import CourseModule, ModuleKind, Programme  # noqa: F401
from tracker.schedule.models import (  # noqa: F401
    Attendance,
    AttendanceStatus,
    Session,
    SessionStatus,
)
from tracker.audit.models import AuditAction, AuditEntry  # noqa: F401,E402
from tracker.roles import Role  # noqa: F401
from tracker.fragments import DataGeneration  # noqa: F401
from tracker.users.models import CoordinatorProgramme, User  # noqa: F401
from tracker.assessments.models import (  # noqa: F401,E402
    Assessment,
    AssessmentDimension,
    AssessmentKind,
    AssessmentScore,
)
from tracker.progress.models import ModuleProgress, ProgressState  # noqa: F401,E402
from tracker.auth.models import ApiToken  # noqa: F401
from tracker.calendar.models import FeedKind, FeedToken  # noqa: F401,E402
from tracker.reminders.models import AlertKind, AlertSent, ReminderSent  # noqa: F401,E402
from tracker.surveys.models import (  # noqa: F401,E402
    Draft,
    HeadlineFigure,
    Instrument,
    InstrumentVersion,
    Item,
    ItemAnswer,
    OpenAnswer,
    OpenQuestion,
    Part,
    Factor,
    Respondent,
    Response,
    Scale,
    ScalePoint,
    SurveyRound,
)
from tracker.outbox.models import MailKind, OutboxMessage, OutboxStatus  # noqa: F401,E402
from tracker.materials.models import Material  # noqa: F401,E402
from tracker.messages.models import Audience, CohortMessage, MessageRecipient  # noqa: F401,E402
from tracker.participants.models import MemberProposal, ProposalKind, ProposalState  # noqa: F401,E402
from tracker.schedule.models import AbsenceNotice, NoticeGiver, StandInDecision  # noqa: F401,E402
