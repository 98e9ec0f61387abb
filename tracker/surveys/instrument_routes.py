from flask import Blueprint

bp = Blueprint("instruments", __name__)
