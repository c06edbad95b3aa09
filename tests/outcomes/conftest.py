"""Fixtures for the outcome tests: the shared ``team`` with an initiative whose outcome it measures."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from quickwin_tracker.extensions import db
from quickwin_tracker.models import Indicator, Initiative
from tests.conftest import Team


@dataclass
class MeasuredTeam(Team):
    """The ``team`` plus the initiative it measures and that initiative's indicator."""

    initiative: Initiative  # "Bus sekolah gratis", of the team's unit
    indicator: Indicator  # "Waktu tunggu bus": minutes, lower is better, 30 → 10


@pytest.fixture
def measured_stage() -> str:
    """Override in a module: the stage of the measured initiative."""
    return "in_progress"


@pytest.fixture
def measured_team(team, make_initiative, measured_stage) -> MeasuredTeam:
    initiative = make_initiative(team.unit, stage=measured_stage, title="Bus sekolah gratis")
    indicator = Indicator(initiative=initiative, name="Waktu tunggu bus", unit_of_measure="menit",
                          baseline=30.0, target=10.0, direction="lower")
    db.session.add(indicator)
    db.session.commit()
    return MeasuredTeam(**vars(team), initiative=initiative, indicator=indicator)
