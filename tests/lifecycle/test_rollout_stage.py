"""Issue 10, item 10: "rolled out" is a property of a stage (``Stage.rollout``), not a position.

The rollout stage and every stage placed after it count as rolled out (``lifecycle.status``):
adding a stage after the rollout stage, or moving initiatives into it, changes none of the figures
(public page, summary headline and rollouts, the status of rolled-out initiatives, gates, digest);
moving the property to another stage changes them as expected. Exactly one active stage carries
it: the services keep it so and the database refuses a second one.
"""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from quickwin_tracker.admin import services as admin_services
from quickwin_tracker.digests.services import build_digest
from quickwin_tracker.domain.activity import record
from quickwin_tracker.domain.errors import Invalid
from quickwin_tracker.extensions import db
from quickwin_tracker.lifecycle import gates
from quickwin_tracker.lifecycle.stages import active_stages
from quickwin_tracker.lifecycle.status import Status, assess_many, rolled_out
from quickwin_tracker.models import Indicator, Initiative, Measurement, Milestone, Stage
from quickwin_tracker.review.cycle import build_agenda
from quickwin_tracker.review.periods import preset
from quickwin_tracker.review.services import build_summary

NOW = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)  # 12:00 WITA, Friday
TODAY = date(2026, 11, 27)
LONG_AGO = datetime(2026, 1, 5, tzinfo=UTC)


@pytest.fixture
def app_config():
    return {"PUBLIC_PAGE": True}


def fresh_stage(code: str) -> Stage:
    db.session.expire_all()
    return db.session.scalar(sa.select(Stage).where(Stage.code == code))


@pytest.fixture
def city(make_unit, make_user, make_initiative):
    """A unit's quick wins: ``active`` (in progress), ``piloting`` (pilot, a milestone open, no
    measurement), ``early`` and ``late`` (rolled out in October and in the week of 16 November,
    with verified outcomes), each with the trail entries of their moves."""
    unit = make_unit("DUKCAPIL", name="Dinas Kependudukan")
    people = {"admin": make_user("admin", locale="en"), "reviewer": make_user("reviewer", locale="en"),
              "manager": make_user("manager", unit, locale="en")}
    entered = {"early": datetime(2026, 10, 15, 2, tzinfo=UTC),
               "late": datetime(2026, 11, 18, 2, tzinfo=UTC),
               "piloting": datetime(2026, 11, 10, 2, tzinfo=UTC)}
    made = {
        "active": make_initiative(unit, stage="in_progress", title="Antrean daring",
                                  created_at=LONG_AGO, stage_entered_at=NOW - timedelta(days=2),
                                  target_date=date(2027, 6, 1)),
        "piloting": make_initiative(unit, stage="pilot", title="Akta keliling",
                                    created_at=LONG_AGO, stage_entered_at=entered["piloting"],
                                    target_date=date(2027, 6, 1)),
        "early": make_initiative(unit, stage="rolled_out", title="KTP sehari jadi",
                                 benefit="Warga pulang membawa KTP.", created_at=LONG_AGO,
                                 stage_entered_at=entered["early"], target_date=date(2026, 10, 1)),
        "late": make_initiative(unit, stage="rolled_out", title="Akta lahir di rumah sakit",
                                benefit="Orang tua pulang membawa akta.", created_at=LONG_AGO,
                                stage_entered_at=entered["late"], target_date=date(2026, 11, 1)),
    }
    db.session.add(Milestone(initiative=made["piloting"], title="Pelatihan petugas",
                             due_date=TODAY + timedelta(days=20)))
    for key in ("early", "late"):
        indicator = Indicator(initiative=made[key], name=f"Waktu layanan {key}", baseline=14,
                              target=1, direction="lower", unit_of_measure="hari")
        db.session.add_all([indicator, Measurement(indicator=indicator, value=2,
                                                   measured_on=date(2026, 11, 1),
                                                   status="verified")])
    for initiative in made.values():
        record(people["admin"], "created", initiative, now=LONG_AGO)
    record(people["admin"], "moved", made["piloting"], now=entered["piloting"],
           from_stage="in_progress", to_stage="pilot")
    for key in ("early", "late"):
        record(people["admin"], "moved", made[key], now=entered[key], from_stage="pilot",
               to_stage="rolled_out")
    db.session.commit()
    return {"people": people, "unit": unit, **made}


def public_items(client) -> list[tuple[str, str]]:
    """The public page's quick wins, in order: (title, "Rolled out <month>")."""
    html = client.get("/dampak").get_data(as_text=True)
    return re.findall(r'<h2 id="qw-\d+">([^<]*)</h2>.*?<p class="hint">([^<]*)</p>', html, re.S)


def figures(client, city) -> dict[str, object]:
    """Everything that means "rolled out", as the features compute it."""
    summary = build_summary(city["people"]["reviewer"], preset("year", TODAY), now=NOW)
    db.session.commit()  # (the statuses it kept: a reader's transaction commits them)
    initiatives = [db.session.get(Initiative, city[k].id)
                   for k in ("active", "piloting", "early", "late")]
    assessed = assess_many(initiatives, active_stages(), TODAY)
    digest = build_digest(city["people"]["reviewer"], date(2026, 11, 16), NOW)
    stages = {s.code: s for s in db.session.scalars(sa.select(Stage))}
    return {
        "public": public_items(client),
        "headline": asdict(summary.headline),
        "throughput": summary.throughput,
        "stale": {row.unit.code: row.stale for row in summary.unit_rows},
        "review agenda, stale": {e["title"] for e in build_agenda(summary, NOW)
                                 if "stale" in e["why"]},
        "statuses": {i.id: assessed[i.id][0].status for i in initiatives},
        "gates": {code: list(stage.gates) for code, stage in stages.items()},
        "gate to roll out": [m.check for m in gates.missing_to_enter(
            initiatives[1], stages["pilot"], stages["rolled_out"])],
        "digest rollouts": [item.title for item in digest.rolled_out],
    }


def test_migration_marks_the_last_stage_as_the_rollout_stage(stages):
    assert [code for code, s in stages.items() if s.rollout] == ["rolled_out"]
    rolled = rolled_out(stages.values())
    assert rolled.stage_id == stages["rolled_out"].id
    assert rolled.codes == {"rolled_out"}
    assert stages["rolled_out"].gates == ["all_milestones_done", "has_measurement"]


def test_a_stage_after_the_rollout_stage_changes_no_figure(city, client, auth, stages):
    auth.login(city["people"]["admin"])
    before = figures(client, city)
    assert [title for title, _ in before["public"]] == ["Akta lahir di rumah sakit",
                                                        "KTP sehari jadi"]
    assert before["statuses"][city["early"].id] == Status.DONE
    assert before["headline"]["active"] == 2 and before["headline"]["rolled_out_year"] == 2
    assert before["gate to roll out"] == ["all_milestones_done", "has_measurement"]
    assert before["digest rollouts"] == ["Akta lahir di rumah sakit"]
    assert before["review agenda, stale"] == {"Antrean daring"}

    response = client.post("/admin/stages/new", data={
        "code": "evaluated", "name_id": "Evaluasi", "name_en": "Evaluated", "expected_days": "90"})
    assert response.status_code == 303
    evaluated = fresh_stage("evaluated")
    assert (evaluated.rollout, fresh_stage("rolled_out").rollout) == (False, True)
    assert evaluated.position > fresh_stage("rolled_out").position
    assert figures(client, city) == before | {"gates": before["gates"] | {"evaluated": []}}
    listing = client.get("/admin/stages").get_data(as_text=True)
    assert re.search(r'data-stage="rolled_out".*?data-rollout="stage"', listing, re.S)
    assert re.search(r'data-stage="evaluated".*?data-rollout="after"', listing, re.S)

    # Moving a rolled-out quick win on into the post-rollout stage is no new rollout: it stays
    # done, on the public page with its rollout date, and counted once.
    early = db.session.get(Initiative, city["early"].id)
    response = client.post(f"/board/cards/{early.id}/move",
                           data={"stage": "evaluated", "after": "top", "version": early.version})
    assert response.status_code == 303
    assert fresh_stage("evaluated").id == db.session.get(Initiative, early.id).stage_id
    after = figures(client, city)
    assert after == before | {"gates": after["gates"]}
    # ... and a post-rollout stage is not "stale" work either, however long it sits there.
    assert after["stale"] == before["stale"]


def test_moving_the_rollout_property_changes_the_figures(city, client, auth, stages):
    auth.login(city["people"]["admin"])
    client.post("/admin/stages/new", data={"code": "evaluated", "name_id": "Evaluasi",
                                           "name_en": "Evaluated"})
    before = figures(client, city)
    pilot = stages["pilot"]
    active = db.session.get(Initiative, city["active"].id)
    lacking = gates.missing_to_enter(active, stages["in_progress"], fresh_stage("evaluated"))
    assert [m.check for m in lacking] == ["has_measurement"]  # rolled_out's gate (no milestones)

    response = client.post(f"/admin/stages/{pilot.id}", data={
        "name_id": pilot.name_id, "name_en": pilot.name_en, "expected_days": "60", "rollout": "y"})
    assert response.status_code == 303
    assert [s.code for s in db.session.scalars(sa.select(Stage).where(Stage.rollout))] == ["pilot"]

    after = figures(client, city)
    assert after["statuses"][city["piloting"].id] == Status.DONE
    assert after["statuses"][city["active"].id] == before["statuses"][city["active"].id]
    assert [title for title, _ in after["public"]] == [
        "Akta lahir di rumah sakit", "Akta keliling", "KTP sehari jadi"]
    # Rollouts are now the moves into pilot (or beyond) from a stage before it.
    assert after["headline"]["active"] == 1
    assert after["headline"]["rolled_out_year"] == 1
    assert after["digest rollouts"] == []
    # Gates belong to stages: rolled_out keeps its own; entering a stage after the rollout stage
    # now needs the pilot stage's gate (none), not rolled_out's.
    assert after["gates"] == before["gates"]
    lacking = gates.missing_to_enter(active, stages["in_progress"], fresh_stage("evaluated"))
    assert lacking == []


def test_skipping_the_rollout_stage_still_needs_its_gate(city, client, auth, stages, hx):
    auth.login(city["people"]["admin"])
    client.post("/admin/stages/new", data={"code": "evaluated", "name_id": "Evaluasi",
                                           "name_en": "Evaluated"})
    piloting = db.session.get(Initiative, city["piloting"].id)
    response = client.post(f"/board/cards/{piloting.id}/move", headers=hx,
                           data={"stage": "evaluated", "after": "top",
                                 "version": piloting.version})
    assert response.status_code == 422
    assert db.session.get(Initiative, piloting.id).stage_id == stages["pilot"].id
    html = response.get_data(as_text=True)
    assert "every milestone done" in html and "at least one outcome measurement" in html


def test_exactly_one_active_rollout_stage(app, stages):
    # The database refuses a second one (partial unique index, SQLite and PostgreSQL).
    stages["pilot"].rollout = True
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()

    # The service moves the mark.
    admin_services.make_rollout_stage(stages["pilot"])
    db.session.commit()
    assert [s.code for s in db.session.scalars(sa.select(Stage).where(Stage.rollout))] == ["pilot"]

    # It cannot be taken away without choosing another stage, nor given to a retired one.
    with pytest.raises(Invalid) as refused:
        admin_services.update_stage(stages["pilot"], "Uji coba", "Pilot", None, rollout=False)
    assert refused.value.field == "rollout"
    db.session.rollback()
    admin_services.retire_stage(stages["approved"])
    with pytest.raises(Invalid):
        admin_services.make_rollout_stage(stages["approved"])
    db.session.rollback()

    # A new stage created as the rollout stage takes the mark.
    created = admin_services.create_stage("launched", "Diluncurkan ulang", "Relaunched", None,
                                          rollout=True)
    db.session.commit()
    assert [s.id for s in db.session.scalars(sa.select(Stage).where(Stage.rollout))] == [created.id]


def test_unticking_the_rollout_stage_is_refused_next_to_the_field(app, client, auth, make_user,
                                                                  stages):
    auth.login(make_user("admin", locale="en"))
    stage = stages["rolled_out"]
    page = client.get(f"/admin/stages/{stage.id}").get_data(as_text=True)
    assert re.search(r'<input[^>]*checked[^>]*id="rollout"|<input[^>]*id="rollout"[^>]*checked',
                     page)
    response = client.post(f"/admin/stages/{stage.id}", data={
        "name_id": "Diluncurkan!", "name_en": stage.name_en})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="rollout-error"' in html and "One stage must be the rollout stage" in html
    stored = fresh_stage("rolled_out")
    assert (stored.rollout, stored.name_id) == (True, "Diluncurkan")  # nothing saved


@pytest.mark.parametrize("action", ["retire", "delete"])
def test_the_rollout_stage_is_neither_retired_nor_deleted(app, client, auth, make_user, stages,
                                                          action):
    auth.login(make_user("admin", locale="en"))
    response = client.post(f"/admin/stages/{stages['rolled_out'].id}/{action}")
    assert response.status_code == 303
    page = client.get("/admin/stages").get_data(as_text=True)
    assert "Rolled out is the rollout stage: first mark another stage" in page
    stored = fresh_stage("rolled_out")
    assert stored is not None and (stored.retired, stored.rollout) == (False, True)

    # Once another stage is the rollout stage, the empty old one may go.
    client.post(f"/admin/stages/{stages['pilot'].id}", data={
        "name_id": "Uji coba", "name_en": "Pilot", "rollout": "y"})
    assert client.post(f"/admin/stages/{stages['rolled_out'].id}/{action}").status_code == 303
    stored = fresh_stage("rolled_out")
    assert stored is None if action == "delete" else stored.retired
    assert fresh_stage("pilot").rollout


def test_rolled_out_is_the_rollout_stage_and_after_it(app):
    def stage(id_, code, position, rollout=False, retired=False):
        return Stage(id=id_, code=code, name_id=code, name_en=code, position=position,
                     rollout=rollout, retired=retired)

    assert rolled_out([stage(1, "a", 0), stage(2, "b", 1)]).stage_ids == frozenset()
    marked = [stage(3, "c", 2), stage(1, "a", 0), stage(2, "b", 1, rollout=True),
              stage(4, "d", 3, retired=True)]
    rolled = rolled_out(marked)
    assert (rolled.stage_id, rolled.stage_ids, rolled.codes) == (2, {2, 3, 4}, {"b", "c", "d"})
    assert 3 in rolled and 1 not in rolled
    assert rolled.rolls_out("a", "c") and rolled.rolls_out(None, "b")
    assert not rolled.rolls_out("b", "c") and not rolled.rolls_out("c", "a")
    # A retired stage carrying the mark (never left so by the services) marks nothing.
    assert rolled_out([stage(1, "a", 0, rollout=True, retired=True)]).stage_id is None
