"""Two-factor sign-in for staff: TOTP authenticators and recovery codes."""
from flask import Blueprint

bp = Blueprint("two_factor", __name__)
