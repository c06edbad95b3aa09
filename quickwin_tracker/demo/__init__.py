"""Fill an empty database with Balikpapan demo data (``quickwin seed-demo``).

The hand-written quick wins come from ``demo.data``; asking for more than there are adds generated,
plausible ones (deterministic: the same N gives the same data) for load tests and benchmarks.
"""

from __future__ import annotations

import logging
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from ..domain.clock import local_today, utcnow
from ..domain.errors import Conflict
from ..extensions import db
from ..models import (
    Activity,
    Dimension,
    Indicator,
    Initiative,
    Measurement,
    MeasurementStatus,
    Milestone,
    Stage,
    Unit,
    User,
)
from . import data as demo_data

log = logging.getLogger(__name__)

DEMO_PASSWORD = "quickwin-demo"


@dataclass
class SeedResult:
    users: list[User]
    initiatives: int
    password: str


def database_is_empty() -> bool:
    """No units, users or initiatives (the reference data from the migrations doesn't count)."""
    return not any(
        db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Unit, User, Initiative)
    )


def seed_demo(initiatives: int | None = None, password: str = DEMO_PASSWORD,
              now: datetime | None = None) -> SeedResult:
    """Create the demo units, logins and initiatives. Refuses a database that holds any data."""
    if not database_is_empty():
        raise Conflict("the database already holds units, users or initiatives; seed-demo only fills an "
                       "empty database (use a new DATABASE_URL, or delete the SQLite file)")
    now = now or utcnow()
    rng = random.Random(2026)  # one stream for the whole run: each step draws in a fixed order
    lifecycle = _Lifecycle.load()
    units = _create_units()
    users = _create_users(units, password)
    specs = _specs(rng, initiatives)
    created = _create_initiatives(specs, lifecycle, units, users, now, rng)
    reviewer = next((u for u in users.values() if u.role == "reviewer"), None)
    today = local_today(now)
    for initiative, spec in zip(created, specs, strict=True):
        _plan_and_outcomes(initiative, spec, today, now, reviewer, rng)
    _progress_updates(created, lifecycle, now, rng)  # (drawn after the rest: it stays as it was)
    _budgets(created, lifecycle, now, rng)  # (drawn after the updates: the rest stays as it was)
    _edited_plans(created, rng)  # (drawn last, after the budgets)
    db.session.flush()
    log.info("demo data: %d units, %d users, %d initiatives", len(units), len(users), len(created))
    return SeedResult(users=list(users.values()), initiatives=len(created), password=password)


@dataclass
class _Lifecycle:
    """The stages (by code, and the active ones in order) and dimensions from the migrations."""

    stages: dict[str, Stage]
    stage_order: list[Stage]
    dimensions: dict[str, Dimension]

    @classmethod
    def load(cls) -> _Lifecycle:
        stages = {s.code: s for s in db.session.scalars(sa.select(Stage).order_by(Stage.position))}
        return cls(stages, [s for s in stages.values() if not s.retired],
                   {d.code: d for d in db.session.scalars(sa.select(Dimension))})


def _create_units() -> dict[str, Unit]:
    units = {code: Unit(code=code, name=name) for code, name in demo_data.UNITS}
    db.session.add_all(units.values())
    return units


def _create_users(units: dict[str, Unit], password: str) -> dict[str, User]:
    """The demo logins (by email); each unit's first manager becomes its head."""
    users: dict[str, User] = {}
    for spec in demo_data.USERS:
        user = User(email=spec["email"], name=spec["name"], role=spec["role"],
                    unit=units.get(spec["unit"]) if spec["unit"] else None, locale="id")
        user.set_password(password)
        users[user.email] = user
    db.session.add_all(users.values())
    db.session.flush()
    for user in users.values():
        if user.role == "manager" and user.unit is not None and user.unit.head is None:
            user.unit.head = user
    return users


def _specs(rng: random.Random, initiatives: int | None) -> list[dict]:
    """The hand-written quick wins, cut to ``initiatives`` or topped up with generated ones."""
    specs = list(demo_data.INITIATIVES)
    wanted = len(specs) if initiatives is None else initiatives
    return specs[:wanted] + [_generated(rng, i) for i in range(max(0, wanted - len(specs)))]


def _create_initiatives(specs: list[dict], lifecycle: _Lifecycle, units: dict[str, Unit],
                        users: dict[str, User], now: datetime,
                        rng: random.Random) -> list[Initiative]:
    """One initiative per spec, each at the bottom of its cell, with its "created" and "moved"
    trail. A generated one is owned by someone of its unit, drawn at random."""
    staff_by_unit = _staff_by_unit(users)
    positions: dict[tuple[int, int], int] = defaultdict(int)
    created: list[Initiative] = []
    activities: list[Activity] = []
    for spec in specs:
        unit = units[spec["unit"]]
        owner = users.get(spec.get("owner") or "")
        if owner is None and spec.get("generated") and staff_by_unit.get(unit.code):
            owner = rng.choice(staff_by_unit[unit.code])
        initiative = _initiative(spec, lifecycle, unit, owner, now, rng)
        key = (initiative.dimension.id, initiative.stage.id)
        initiative.position = positions[key]
        positions[key] += 1
        created.append(initiative)
        activities.extend(_trail(initiative, spec, lifecycle.stage_order, owner or unit.head))
    db.session.add_all(created)
    db.session.add_all(activities)
    db.session.flush()
    return created


def _staff_by_unit(users: dict[str, User]) -> dict[str, list[User]]:
    """The staff and managers of each unit (by code), who may own a generated initiative."""
    staff: dict[str, list[User]] = defaultdict(list)
    for user in users.values():
        if user.unit is not None and user.role in ("staff", "manager"):
            staff[user.unit.code].append(user)
    return staff


def _initiative(spec: dict, lifecycle: _Lifecycle, unit: Unit, owner: User | None,
                now: datetime, rng: random.Random) -> Initiative:
    """The initiative of ``spec``, entered into its stage and created plausibly long before."""
    stage = lifecycle.stages[spec["stage"]]
    entered = now - timedelta(days=spec["days_in_stage"], hours=rng.randint(0, 8))
    stage_index = lifecycle.stage_order.index(stage)
    created_at = entered - timedelta(days=stage_index * rng.randint(10, 30) + rng.randint(1, 10))
    return Initiative(
        title=spec["title"], benefit=spec["benefit"], description=spec.get("description", ""),
        dimension=lifecycle.dimensions[spec["dimension"]], unit=unit, owner=owner, stage=stage,
        target_date=local_today(now) + timedelta(days=spec["target_in_days"]),
        stage_entered_at=entered, created_at=created_at, updated_at=entered,
        created_by=owner,
    )


def _trail(initiative: Initiative, spec: dict, stage_order: list[Stage],
           actor: User | None) -> list[Activity]:
    """Created in the first stage, then a plausible trail: the stages it went through, evenly
    spaced until it entered its own."""
    created_at, entered = initiative.created_at, initiative.stage_entered_at
    stage_index = stage_order.index(initiative.stage)
    trail = [Activity(initiative=initiative, actor=actor, verb="created", created_at=created_at,
                      data={"title": spec["title"], "stage": stage_order[0].code,
                            "unit": initiative.unit.code, "dimension": initiative.dimension.code})]
    for step in range(1, stage_index + 1):
        before, after = stage_order[step - 1], stage_order[step]
        trail.append(Activity(
            initiative=initiative, actor=actor, verb="moved",
            created_at=created_at + (entered - created_at) * step / stage_index,
            data={"from_stage": before.code, "to_stage": after.code,
                  "from_name": {"id": before.name_id, "en": before.name_en},
                  "to_name": {"id": after.name_id, "en": after.name_en}},
        ))
    return trail


UPDATE_LINES = (
    ("Uji coba berjalan di dua kelurahan; warga mulai memakai layanan.", "",
     "Perluasan ke kelurahan berikutnya."),
    ("Perangkat sudah terpasang dan petugas sudah dilatih.", "Anggaran perubahan belum cair.",
     "Sosialisasi ke RT/RW."),
    ("Data awal terkumpul; baseline disepakati dengan Bappeda.", "",
     "Menyusun SOP layanan."),
    ("Vendor menyerahkan versi pertama aplikasi.", "Integrasi dengan data kependudukan tertunda.",
     "Uji coba terbatas di satu kantor."),
)


def _progress_updates(created: list[Initiative], lifecycle: _Lifecycle, now: datetime,
                      rng: random.Random) -> None:
    """Most initiatives not yet rolled out have an owner's update from the last few weeks: some
    on time, some overdue (the cadence is 14 days), a few rosier than their data."""
    from .. import models

    rollout = next((s for s in lifecycle.stage_order if s.rollout), None)
    last = lifecycle.stage_order.index(rollout) if rollout else len(lifecycle.stage_order)
    rows, trail = [], []
    for initiative in created:
        if lifecycle.stage_order.index(initiative.stage) >= last or initiative.owner is None:
            continue
        if rng.random() > 0.75:
            continue
        moved, blocks, next_steps = rng.choice(UPDATE_LINES)
        at = max(initiative.created_at, now - timedelta(days=rng.randint(1, 24),
                                                         hours=rng.randint(0, 8)))
        health = rng.choices(("on_track", "at_risk", "off_track"), weights=(6, 3, 1))[0]
        rows.append(models.ProgressUpdate(
            initiative=initiative, author=initiative.owner, health=health, moved=moved,
            blocks=blocks, next_steps=next_steps, link="", created_at=at))
        trail.append(Activity(initiative=initiative, actor=initiative.owner,
                              verb="update_posted", created_at=at, data={"health": health}))
    db.session.add_all(rows + trail)


def _budgets(created: list[Initiative], lifecycle: _Lifecycle, now: datetime,
             rng: random.Random) -> None:
    """Most initiatives have a planned budget with its code; the further along, the more of it is
    realised (a few spent most of it before any verified outcome: the summary's flag)."""
    from .. import models

    order = {s.id: n for n, s in enumerate(lifecycle.stage_order)}
    last = max(len(lifecycle.stage_order) - 1, 1)
    today = local_today(now)
    rows: list = []
    for initiative in created:
        if rng.random() > 0.8:
            continue
        planned = rng.choice(demo_data.BUDGET_PLANNED_JUTA) * 1_000_000
        rows.append(models.InitiativeBudget(
            initiative=initiative, planned=planned, updated_at=initiative.created_at,
            program_code=demo_data.BUDGET_CODES.get(initiative.dimension.code, ""),
            updated_by=initiative.owner))
        stage = order.get(initiative.stage_id, 0)
        share = stage / last * rng.uniform(0.6, 1.0)
        if stage >= 2 and rng.random() < 0.25:  # spent ahead of its results
            share = rng.uniform(0.8, 0.95)
        entries = max(round(share * 4), 1) if share > 0 else 0
        start = initiative.created_at.date()
        days = max((today - start).days, 1)
        weights = [rng.uniform(0.5, 1.5) for _ in range(entries)]  # (payments differ in size)
        for n in range(entries):
            amount = round(planned * share * weights[n] / sum(weights) / 1000) * 1000
            if amount <= 0:
                continue
            rows.append(models.Spending(
                initiative=initiative, amount=amount,
                spent_on=start + timedelta(days=days * (n + 1) // (entries + 1)),
                note=demo_data.SPENDING_NOTES[n % len(demo_data.SPENDING_NOTES)],
                recorded_by=initiative.owner, recorded_at=now - timedelta(days=entries - n)))
    db.session.add_all(rows)


def _edited_plans(created: list[Initiative], rng: random.Random) -> None:
    """Every third initiative's first indicator gets an edited trajectory (issue 14): a slow
    start and a steeper finish (value = baseline + change × share of time ^ k, k drawn from 1.5
    to 2.5), by quarter, so the planned path on its page is not the straight line."""
    from ..domain.clock import local_date
    from ..lifecycle.trajectory import QUARTER, period_ends
    from ..models import IndicatorPlan

    for n, initiative in enumerate(created):
        if n % 3 or not initiative.indicators:
            continue
        indicator = initiative.indicators[0]
        due = indicator.target_date or initiative.target_date
        start = local_date(initiative.created_at)
        if indicator.baseline is None or indicator.target is None or due is None:
            continue
        ends = period_ends(start, due, QUARTER)
        if len(ends) < 2:
            continue
        k = rng.uniform(1.5, 2.5)
        span = (due - start).days
        change = indicator.target - indicator.baseline
        indicator.plan_period = QUARTER
        indicator.plan = [IndicatorPlan(period_end=day, planned=round(
            indicator.baseline + change * ((day - start).days / span) ** k, 2)) for day in ends]


def _plan_and_outcomes(initiative: Initiative, spec: dict, today: date, now: datetime,
                       reviewer: User | None, rng: random.Random) -> None:
    """Milestones, indicators and measurements of one demo initiative."""
    owner = initiative.owner
    for position, m in enumerate(spec.get("milestones", [])):
        due = today + timedelta(days=m["due_in_days"])
        done_on = min(due, today) if m["done"] else None
        initiative.milestones.append(Milestone(
            title=m["title"], due_date=due, responsible=owner, position=position,
            done_on=done_on, done_by=owner if done_on else None, created_at=initiative.created_at,
        ))
    for position, spec_indicator in enumerate(spec.get("indicators", [])):
        indicator = Indicator(
            name=spec_indicator["name"], unit_of_measure=spec_indicator["unit"],
            baseline=spec_indicator["baseline"], target=spec_indicator["target"],
            direction=spec_indicator["direction"], position=position,
            target_date=today + timedelta(days=spec_indicator["target_in_days"]),
            created_at=initiative.created_at,
        )
        initiative.indicators.append(indicator)
        _measurements(indicator, spec_indicator.get("measurements", []), owner, today, now,
                      reviewer, rng)


def _measurements(indicator: Indicator, points: list, owner: User | None, today: date,
                  now: datetime, reviewer: User | None, rng: random.Random) -> None:
    """The points ``[days ago, value]``, oldest first. Older measurements are verified by a
    reviewer, the most recent one of a live initiative (under three weeks old) awaits
    verification; without a reviewer, all await it."""
    points = sorted(points, key=lambda p: -p[0])
    for n, (days_ago, value) in enumerate(points):
        recorded = now - timedelta(days=days_ago)
        awaiting = n == len(points) - 1 and days_ago < 21 and reviewer is not None
        verified = not awaiting and reviewer is not None
        indicator.measurements.append(Measurement(
            value=value, measured_on=today - timedelta(days=days_ago), recorded_by=owner,
            recorded_at=recorded,
            note="Data dari laporan bulanan OPD.",
            status=(MeasurementStatus.VERIFIED if verified else MeasurementStatus.SUBMITTED).value,
            reviewed_by=reviewer if verified else None,
            reviewed_at=recorded + timedelta(days=rng.randint(1, 5)) if verified else None,
        ))


def _generated(rng: random.Random, n: int) -> dict:
    """One plausible generated quick win (for N beyond the hand-written ones)."""
    dimension = rng.choice(sorted(demo_data.GENERATED))
    bank = demo_data.GENERATED[dimension]
    place = rng.choice(demo_data.PLACES)
    service = rng.choice(bank["services"])
    stage = rng.choice(["proposed", "approved", "in_progress", "in_progress", "pilot", "rolled_out"])
    return {
        "title": f"{rng.choice(bank['actions'])} {service} di {place}"[:200],
        "benefit": rng.choice(bank["benefits"]).format(place=place),
        "description": "",
        "dimension": dimension,
        "unit": rng.choice(demo_data.UNITS)[0],
        "owner": None,
        "stage": stage,
        "target_in_days": rng.randint(-60, 240) if stage != "rolled_out" else rng.randint(-300, -1),
        "days_in_stage": rng.randint(0, 90),
        "generated": True,
        "milestones": [
            {"title": title, "due_in_days": rng.randint(-40, 120),
             "done": stage == "rolled_out" or rng.random() < 0.4}
            for title in ("Sosialisasi ke warga", "Uji coba terbatas", "Evaluasi dan perbaikan")
        ],
        "indicators": [{
            "name": "Kepuasan warga terhadap layanan", "unit": "%", "baseline": 60.0,
            "target": 85.0, "direction": "higher", "target_in_days": rng.randint(30, 300),
            "measurements": ([[rng.randint(20, 60), round(rng.uniform(60, 90), 1)]]
                             if stage in ("pilot", "rolled_out") else []),
        }],
    }
