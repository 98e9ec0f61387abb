"""Who a browser's session signs in: the user Flask-Login finds for each request."""
from sqlalchemy import select

from tracker.extensions import db, login_manager
from tracker.users.models import User


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The user a session belongs to, unless they were deactivated or their password changed."""
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.scalar(select(User).where(User.id == int(user_id)))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user
