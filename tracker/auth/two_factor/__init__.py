"""Two-factor sign-in for staff: TOTP authenticators and recovery codes (the pages; the rules
are in tracker.auth.factors)."""
from flask import Blueprint

bp = Blueprint("two_factor", __name__)

from tracker.auth.two_factor import routes  # noqa: E402,F401  (the views, on bp)
