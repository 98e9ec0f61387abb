"""Invitations and password reset: the pages a one-time link opens, and "Forgot password?"."""
from flask import Blueprint

bp = Blueprint("links", __name__)
