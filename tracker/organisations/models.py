import enum
from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.db_types import enum_column
from tracker.extensions import db


class OrganisationKind(enum.Enum):
    MINISTRY = "ministry"
    DIRECTORATE = "directorate"
    OTHER = "other"


class Organisation(db.Model):
    """A ministry, a directorate or agency, or another body of the state."""

    __tablename__ = "organisation"
    __table_args__ = (
        CheckConstraint(
            "org_number IS NULL OR length(org_number) = 9", name="org_number_nine_digits"
        ),
        CheckConstraint(
            "NOT (kind = 'MINISTRY' AND owning_ministry_id IS NOT NULL)",
            name="ministry_has_no_owner",
        ),
        CheckConstraint("owning_ministry_id IS NULL OR owning_ministry_id <> id", name="not_own_owner"),
        CheckConstraint(
            "active_to IS NULL OR active_from IS NULL OR active_to >= active_from",
            name="active_in_order",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Checked on every save: a form sent from an older version is a conflict, not an overwrite.
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}
    name_nb: Mapped[str] = mapped_column(String(200), unique=True)
    name_en: Mapped[str | None] = mapped_column(String(200))
    short_name: Mapped[str | None] = mapped_column(String(30))
    org_number: Mapped[str | None] = mapped_column(String(9), unique=True)
    kind: Mapped[OrganisationKind] = mapped_column(enum_column(OrganisationKind))
    owning_ministry_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    active_from: Mapped[date | None]
    active_to: Mapped[date | None]

    owning_ministry: Mapped["Organisation | None"] = relationship(
        remote_side=[id], back_populates="agencies"
    )
    agencies: Mapped[list["Organisation"]] = relationship(back_populates="owning_ministry")

    def name(self, locale: str) -> str:
        """The organisation's name in the reader's language, falling back to bokmål."""
        if locale == "en" and self.name_en:
            return self.name_en
        return self.name_nb

    def __repr__(self) -> str:
        return f"<Organisation {self.short_name or self.name_nb}>"
