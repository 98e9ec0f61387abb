"""Course materials: a file or a link given to the people of one session, or of every session
of one course module.

A file's bytes live outside the web root, in `MATERIALS_FOLDER`, under a random storage name
(`tracker/materials/storage.py`); the row keeps the name it was uploaded with only to offer it
back on download. Who may see a material is `tracker/materials/services.py` (`may_see`,
`materials_for`): it asks who is expected at a session, a rule of the schedule's services.
"""
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker import clock
from tracker.db_types import UTCDateTime
from tracker.extensions import db
from tracker.programmes.models import CourseModule
from tracker.schedule.models import Session

# The longest name of an uploaded file that is kept (most file systems allow 255 bytes).
MAX_FILENAME = 200
MAX_TITLE = 200
# Browsers and servers handle addresses up to about 2,000 characters everywhere.
MAX_URL = 2000
# The only kinds of address a link may have (services.check_url).
WEB_SCHEMES = ("http", "https")


class Material(db.Model):
    """A file or a link for one session (`session`) or for every session of a module (`module`)."""

    __tablename__ = "material"
    __table_args__ = (
        # Exactly one of a session and a module.
        CheckConstraint("(session_id IS NULL) <> (module_id IS NULL)", name="session_or_module"),
        # Exactly one of a stored file (with its name, type and size) and a link.
        CheckConstraint(
            "(storage_name IS NOT NULL AND filename IS NOT NULL AND file_type IS NOT NULL "
            "AND size IS NOT NULL AND size > 0 AND url IS NULL) OR "
            "(storage_name IS NULL AND filename IS NULL AND file_type IS NULL "
            "AND size IS NULL AND url IS NOT NULL)",
            name="file_or_link",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Deleting the session or the module deletes its materials (and, after the commit, their
    # files: tracker/materials/storage.py).
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("session.id", ondelete="CASCADE"), index=True
    )
    module_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_module.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(MAX_TITLE))
    # A file: its random name in MATERIALS_FOLDER, the name it was uploaded with, its checked
    # type (a key of storage.FILE_TYPES) and its size in bytes.
    storage_name: Mapped[str | None] = mapped_column(String(64), unique=True)
    filename: Mapped[str | None] = mapped_column(String(MAX_FILENAME))
    file_type: Mapped[str | None] = mapped_column(String(10))
    size: Mapped[int | None] = mapped_column(Integer)
    # A link: an http(s) address.
    url: Mapped[str | None] = mapped_column(String(MAX_URL))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    session: Mapped[Session | None] = relationship()
    module: Mapped[CourseModule | None] = relationship()

    @property
    def is_link(self) -> bool:
        return self.url is not None

    @property
    def web_address(self) -> str | None:
        """The link's address, if it is an http(s) one (all the upload lets in); None for
        anything else a database could hold, so no page links to javascript: or data:."""
        try:
            scheme = urlsplit(self.url or "").scheme.lower()
        except ValueError:
            return None
        return self.url if scheme in WEB_SCHEMES else None
