from flask import Blueprint

bp = Blueprint("respond", __name__)
