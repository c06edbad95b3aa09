"""The measured scenarios: seeded databases, apps, clients, and the floors."""

from __future__ import annotations

import gzip
import logging
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import sqlalchemy as sa
from flask import Flask

from quickwin_tracker import create_app
from quickwin_tracker.demo import DEMO_PASSWORD, seed_demo
from quickwin_tracker.extensions import db
from quickwin_tracker.models import (
    Initiative,
    InitiativeStatus,
    Stage,
    Unit,
    User,
    status_refresh,
)
from quickwin_tracker.web.runtime import tune_gc

MANAGER = "kepala.diskominfo@quickwin.balikpapan.go.id"
REVIEWER = "reviewer.setda@quickwin.balikpapan.go.id"
GZIP = {"Accept-Encoding": "gzip"}


def _config(path: Path, **extra: Any) -> dict[str, Any]:
    return {"TESTING": True, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", **extra}


def seeded_database(cache: Path, n: int) -> Path:
    """A migrated SQLite file holding ``seed_demo(initiatives=n)``, built once per cache dir.

    Seeding runs in a child process: it leaves hundreds of thousands of objects behind, and the
    measured app should live in a process like a server worker's, not beside that."""
    path = cache / f"seed-{n}.sqlite3"
    if path.exists():
        return path
    tmp = cache / f"seed-{n}.building.sqlite3"
    tmp.unlink(missing_ok=True)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "benchmarks.scenarios", "seed", str(n), str(tmp)],
                   check=True, cwd=Path(__file__).resolve().parent.parent)
    tmp.rename(path)
    print(f"  seeded {n} initiatives in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return path


def _seed(n: int, path: Path) -> None:
    from flask_migrate import upgrade

    logging.disable(logging.INFO)
    app = create_app(_config(path))
    with app.app_context():
        upgrade()
        seed_demo(initiatives=n)
        db.session.commit()
        db.session.execute(sa.text("PRAGMA wal_checkpoint(TRUNCATE)"))
        db.session.remove()
        db.engine.dispose()
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


@dataclass
class Site:
    """An app on a private copy of a seeded database, with signed-in clients."""

    app: Flask
    manager: Any  # test clients
    reviewer: Any
    path: Path

    @classmethod
    def open(cls, seeded: Path, work: Path, **config: Any) -> Site:
        path = work / f"{seeded.stem}-{time.monotonic_ns()}.sqlite3"
        shutil.copyfile(seeded, path)
        app = create_app(_config(path, **config))
        with app.app_context():  # a database kept in --cache-dir may predate a migration
            from flask_migrate import upgrade

            upgrade()
            db.session.remove()
        clients = []
        for email in (MANAGER, REVIEWER):
            client = app.test_client()
            response = client.post("/auth/login", data={"email": email, "password": DEMO_PASSWORD})
            if response.status_code not in (302, 303):
                raise RuntimeError(f"could not sign in {email}: {response.status_code}")
            clients.append(client)
        tune_gc()  # as quickwin_tracker.wsgi does for every web worker
        return cls(app, clients[0], clients[1], path)

    def close(self) -> None:
        with self.app.app_context():
            db.engine.dispose()

    def get(self, client: Any, url: str, **headers: str):
        response = client.get(url, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url}: {response.status_code}")
        return response

    # ---- things to measure

    def board(self, gzip_ok: bool = True):
        return self.get(self.manager, "/board/", **(GZIP if gzip_ok else {}))

    def forget_looks(self) -> None:
        """Drop what the board keeps per card (``CardLooks``): the next board is derived from
        scratch, as the first one of the day (or in a new worker) is."""
        self.app.extensions.pop("quickwin_card_looks", None)

    def summary(self):
        return self.get(self.reviewer, "/summary", **GZIP)

    def forget_statuses(self) -> None:
        """Drop the kept statuses (``lifecycle.kept``) and the remembered summaries
        (``review.remembered``): the next summary computes every status, as the first reader of
        a day would if the nightly refresh had not run."""
        with self.app.app_context():
            db.session.execute(sa.delete(InitiativeStatus))
            db.session.execute(sa.delete(status_refresh))
            db.session.commit()
        self.forget_summaries()

    def forget_summaries(self) -> None:
        """Drop the remembered summaries: the next one is counted, as after any change."""
        self.app.extensions.pop("quickwin_summaries", None)

    def change_one(self) -> None:
        """One write the summary reads (a milestone saved, as its form does): the change clock
        moves and that initiative's status is kept anew, so the next summary counts again."""
        with self.app.app_context():
            db.session.execute(sa.text(
                "UPDATE milestone SET title = title WHERE id = (SELECT min(id) FROM milestone)"))
            db.session.commit()

    def summary_queries(self, counted: bool = False) -> int:
        """How many SQL statements one warm summary runs (``counted``: one counted anew, as after
        a change, rather than remembered)."""
        if counted:
            self.forget_summaries()
        statements = []

        def count(*_args: Any) -> None:
            statements.append(1)

        with self.app.app_context():
            engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            self.summary()
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    def initiative_id(self) -> int:
        """A manager's initiative that has milestones and indicators (a full page)."""
        with self.app.app_context():
            manager = db.session.scalar(sa.select(User).where(User.email == MANAGER))
            return db.session.scalar(
                sa.select(Initiative.id).where(Initiative.unit_id == manager.unit_id,
                                              Initiative.archived.is_(False))
                .order_by(Initiative.id).limit(1))

    def initiative_page(self):
        url = f"/initiatives/{self.initiative_id()}"
        return lambda: self.get(self.manager, url, **GZIP)

    def mover(self):
        """(before, move): reorders one of the manager's cards between the top and the bottom of
        its cell, as the board's drag and drop does (an htmx POST); ``before`` reads the card's
        version, untimed."""
        with self.app.app_context():
            manager = db.session.scalar(sa.select(User).where(User.email == MANAGER))
            # The manager's fullest cell outside the final stage.
            row = db.session.execute(
                sa.select(Initiative.dimension_id, Initiative.stage_id, sa.func.count())
                .where(Initiative.unit_id == manager.unit_id, Initiative.archived.is_(False))
                .group_by(Initiative.dimension_id, Initiative.stage_id)
                .order_by(sa.func.count().desc()).limit(1)).one()
            card_id = db.session.scalar(
                sa.select(Initiative.id).where(Initiative.dimension_id == row[0],
                                              Initiative.stage_id == row[1],
                                              Initiative.unit_id == manager.unit_id)
                .order_by(Initiative.id).limit(1))
            stage_code = db.session.get(Stage, row[1]).code
        state = {"version": 0, "n": 0}

        def before() -> None:
            with self.app.app_context():
                state["version"] = db.session.scalar(
                    sa.select(Initiative.version).where(Initiative.id == card_id))

        def move() -> None:
            state["n"] += 1
            response = self.manager.post(
                f"/board/cards/{card_id}/move",
                data={"stage": stage_code, "after": "bottom" if state["n"] % 2 else "top",
                      "version": state["version"]},
                headers={"HX-Request": "true", **GZIP})
            if response.status_code != 200:
                raise RuntimeError(f"move: {response.status_code} {response.text[:300]}")

        return before, move

    def digest_builder(self, count: int):
        """Creates ``count`` managers over the units, and returns a function that builds the
        weekly digest of each (``build_digest``, no delivery)."""
        from quickwin_tracker.digests.services import build_digest
        from quickwin_tracker.digests.weeks import current_week
        from quickwin_tracker.domain.clock import utcnow

        with self.app.app_context():
            units = list(db.session.scalars(sa.select(Unit).order_by(Unit.id)))
            hashed = db.session.scalar(sa.select(User.password_hash).where(User.email == MANAGER))
            for i in range(count):
                db.session.add(User(email=f"bench.manager{i}@quickwin.balikpapan.go.id",
                                    name=f"Kepala Bench {i}", role="manager",
                                    unit=units[i % len(units)], password_hash=hashed,
                                    locale="id" if i % 2 else "en"))
            db.session.commit()
            ids = list(db.session.scalars(
                sa.select(User.id).where(User.email.like("bench.manager%")).order_by(User.id)))

        def build() -> None:
            with self.app.test_request_context("/"):
                now = utcnow()
                week = current_week(now)
                users = list(db.session.scalars(sa.select(User).where(User.id.in_(ids))))
                for user in users:
                    build_digest(user, week.reported_monday, now)
                db.session.remove()

        return build


# --------------------------------------------------------------------------- floors

FLOOR_CARD = """\
{%- for card in cards -%}
<li class="card movable" id="card-{{ card.id }}" data-initiative-id="{{ card.id }}" \
data-dimension="{{ card.dimension }}" data-stage="{{ card.stage }}" data-version="{{ card.version }}">
<a class="card-title" href="{{ prefix }}{{ card.id }}">{{ card.title }}</a>
<span class="status status-{{ card.status }}" title="{{ card.reasons }}">\
{{ card.icon }} {{ card.status_label }}</span>
<span class="card-meta">{{ card.unit }} · {{ card.owner }}</span>
<span class="card-meta"><time datetime="{{ card.target_iso }}">{{ card.target }}</time> · \
{{ card.days }} hari</span>
{% if card.next %}<span class="card-meta card-next">{{ card.next }}</span>{% endif %}
<a class="move-link" href="{{ prefix }}{{ card.id }}/move">Pindahkan</a>
</li>
{% endfor -%}"""


def jinja_floor(n: int):
    """A bare Jinja render of ``n`` small cards from a list in memory (no app, no database)."""
    env = jinja2.Environment(autoescape=True)
    template = env.from_string(FLOOR_CARD)
    cards = [
        {"id": i, "dimension": "governance", "stage": "in_progress", "version": 3,
         "title": f"Layanan antrean daring puskesmas nomor {i} di Balikpapan Tengah",
         "status": "at_risk", "icon": "▲", "status_label": "berisiko",
         "reasons": "tonggak “Uji coba terbatas” terlambat 5 hari",
         "unit": "DINKES", "owner": "Sri Wahyuningsih", "target_iso": "2027-03-01",
         "target": "1 Mar 2027", "days": i % 90,
         "next": "Berikutnya: Evaluasi dan perbaikan, 12 Des 2026" if i % 2 else ""}
        for i in range(n)
    ]

    def render() -> str:
        return template.render(cards=cards, prefix="/initiatives/")

    return render


def flask_floor():
    """A minimal Flask route through the test client."""
    app = Flask("floor")

    @app.get("/")
    def hello() -> str:
        return "hello"

    client = app.test_client()

    def call() -> None:
        client.get("/")

    return call


def gzipped_size(body: bytes) -> int:
    return len(gzip.compress(body, 6))


if __name__ == "__main__":  # ``python -m benchmarks.scenarios seed N PATH`` (see seeded_database)
    if sys.argv[1:2] != ["seed"] or len(sys.argv) != 4:
        sys.exit("usage: python -m benchmarks.scenarios seed N PATH")
    _seed(int(sys.argv[2]), Path(sys.argv[3]))
