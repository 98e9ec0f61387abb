from flask import Blueprint

bp = Blueprint("survey_rounds", __name__)
