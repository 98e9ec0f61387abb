from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.concurrency import Versioned
from tracker.db_types import Labelled, enum_column
from tracker.audit.models import Audited
from tracker.extensions import db
from tracker.groups.models import Enrolment
from tracker.programmes.models import Programme

# Scores are the group's mean answer on the survey's 1–5 scale for one dimension.
SCORE_MIN, SCORE_MAX = 1, 5


class AssessmentKind(Labelled):
    BASELINE = "baseline"
    FINAL = "final"

    __labels__ = {
        "baseline": _l("Baseline"),
        "final": _l("Final"),
    }


class AssessmentDimension(Versioned, Audited, db.Model):
    """One dimension of group effectiveness the programme's survey measures."""

    __tablename__ = "assessment_dimension"
    __table_args__ = (
        UniqueConstraint("programme_id", "position"),
        CheckConstraint("position >= 1", name="position_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    name_nb: Mapped[str] = mapped_column(String(200))
    # Empty until written: a nynorsk page falls back to bokmål.
    name_nn: Mapped[str] = mapped_column(String(200), default="", server_default="")
    name_en: Mapped[str] = mapped_column(String(200))
    description_nb: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")

    programme: Mapped[Programme] = relationship()

    def name(self, locale: str) -> str:
        if locale == "nn" and self.name_nn:
            return self.name_nn
        return self.name_en if locale == "en" else self.name_nb


class Assessment(Versioned, Audited, db.Model):
    """A group's baseline or final assessment: when, how many answered, a score per dimension."""

    __tablename__ = "assessment"
    __table_args__ = (
        UniqueConstraint("enrolment_id", "kind"),
        CheckConstraint("respondents >= 1", name="someone_answered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id", ondelete="CASCADE"), index=True)
    kind: Mapped[AssessmentKind] = mapped_column(enum_column(AssessmentKind))
    assessed_on: Mapped[date]
    respondents: Mapped[int]

    enrolment: Mapped[Enrolment] = relationship()
    scores: Mapped[list["AssessmentScore"]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan"
    )

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.enrolment.cohort_id, self.enrolment_id


class AssessmentScore(Audited, db.Model):
    __tablename__ = "assessment_score"
    __table_args__ = (
        UniqueConstraint("assessment_id", "dimension_id"),
        CheckConstraint(f"score BETWEEN {SCORE_MIN} AND {SCORE_MAX}", name="score_on_scale"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    dimension_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_dimension.id", ondelete="CASCADE"), index=True
    )
    score: Mapped[Decimal] = mapped_column(Numeric(3, 2))

    assessment: Mapped[Assessment] = relationship(back_populates="scores")
    dimension: Mapped[AssessmentDimension] = relationship()

    def audit_scope(self) -> tuple[int | None, int | None]:
        return self.assessment.enrolment.cohort_id, self.assessment.enrolment_id
