from flask import Blueprint

bp = Blueprint("survey_results", __name__)
