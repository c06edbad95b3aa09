"""Outcomes: indicators, measurements with evidence, their verification, and charts.

Two blueprints: ``outcomes`` under ``/initiatives/<id>/…`` (indicators and measurements of one
initiative) and ``evidence`` under ``/evidence/<id>`` (downloading an uploaded file).
"""

from flask import Blueprint

bp = Blueprint("outcomes", __name__)
evidence_bp = Blueprint("evidence", __name__)

from . import trail, views  # noqa: E402,F401  (trail: registers the trail's sentences)
