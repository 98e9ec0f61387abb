"""Single sign-on with OpenID Connect (ID-porten, Entra ID)."""
from flask import Blueprint

bp = Blueprint("sso", __name__)
