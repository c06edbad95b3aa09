"""Issue #10: every form the app renders, submitted unchanged, changes nothing.

The harness needs no list of forms. With the demo data (plus a team member from another unit, a
deactivated owner, a fresh comment, a review, an archived initiative and a queued email), and for
each kind of person, it visits every GET route of ``app.url_map`` (with sample values for its URL
parameters, plain and as an htmx fragment), reads every ``<form method=post>`` of each answer and
submits it exactly as a browser would (``tests/html_forms.py``), and also as htmx would where the
form is an htmx form, with CSRF protection on. Then it compares every row of every table: a form
sent unchanged must change nothing and write no Activity.

Two kinds of forms are told apart by what they hold, not by a list:
- a form of hidden values and buttons only (archive, complete, sign out…) *is* an action: it is
  not sent;
- a form the template marks ``data-submit-creates`` (e.g. "start a review" for the current period)
  may create rows when sent with its defaults, and must still change no existing row.

A new form on any page is covered as it is; a route with a new kind of URL parameter needs its
sample values in ``Samples.for_rule`` (the harness fails until it has them).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import pytest
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from quickwin_tracker.auth.reset import reset_token
from quickwin_tracker.demo import DEMO_PASSWORD, seed_demo
from quickwin_tracker.domain.clock import local_today, utcnow
from quickwin_tracker.extensions import db
from quickwin_tracker.mail.outbox import queue_email
from quickwin_tracker.mail.tokens import unsubscribe_token
from quickwin_tracker.models import (
    Comment,
    Evidence,
    Initiative,
    Measurement,
    Milestone,
    OutboxMessage,
    ProgressUpdate,
    Review,
    Stage,
    Tag,
    Unit,
    User,
    WebhookEndpoint,
)
from quickwin_tracker.review.cycle import start_review
from quickwin_tracker.review.periods import preset
from quickwin_tracker.webhooks.events import queue_ping
from quickwin_tracker.webhooks.services import create_endpoint, set_active
from tests.html_forms import forms_in, page_headers

_DEMO_HASH = generate_password_hash(DEMO_PASSWORD)

PEOPLE = {
    "anonymous": None,
    "admin": "admin@quickwin.balikpapan.go.id",
    "manager": "kepala.disdukcapil@quickwin.balikpapan.go.id",
    "staff": "staf.disdukcapil@quickwin.balikpapan.go.id",
    "reviewer": "reviewer.setda@quickwin.balikpapan.go.id",
    "team_member": "staf.diskominfo@quickwin.balikpapan.go.id",  # on a Disdukcapil team
}

# Routes whose answers are files or feeds, not pages with forms.
NOT_PAGES = {"static", "transfer.export_csv", "transfer.export_xlsx", "transfer.template_csv",
             "transfer.template_xlsx", "calendar.mine", "calendar.unit", "evidence.download",
             "board.version", "core.healthz", "reports.quarterly_xlsx"}


@pytest.fixture
def app_config():
    # A Telegram bot (issue 16), so the settings page offers every channel; nothing here calls
    # it (linking is an action button), and a stray call would find nobody on port 9. Sign-in
    # through the city account and the directory configured too, so that the login page's button
    # and the admin's LDAP test form are sent; neither server answers (nothing listens on port
    # 1): the answers are clear messages, and password sign-ins fall back to the local passwords.
    return {"WTF_CSRF_ENABLED": True, "WEBHOOK_ALLOW_PRIVATE": True,
            "TELEGRAM_BOT_TOKEN": "1:round-trip", "TELEGRAM_BOT_USERNAME": "RoundTripBot",
            "TELEGRAM_API_URL": "http://127.0.0.1:9",
            "OIDC_DISCOVERY_URL": "http://127.0.0.1:1/.well-known/openid-configuration",
            "OIDC_CLIENT_ID": "quickwin-tracker", "LDAP_URL": "ldap://127.0.0.1:1",
            "LDAP_SEARCH_BASE": "ou=people,dc=balikpapan,dc=go,dc=id", "LDAP_TIMEOUT": 2}


@pytest.fixture
def demo_world(app, monkeypatch):
    """The demo data and a few things it lacks, so that every kind of form shows up."""
    monkeypatch.setattr("quickwin_tracker.models.people.generate_password_hash", lambda _p: _DEMO_HASH)
    seed_demo()
    users = {u.email: u for u in db.session.scalars(sa.select(User))}
    disdukcapil = db.session.scalar(sa.select(Unit).where(Unit.code == "DISDUKCAPIL"))
    own = list(db.session.scalars(
        sa.select(Initiative).where(Initiative.unit_id == disdukcapil.id).order_by(Initiative.id)))
    # A team member from another unit, and a deactivated owner who stays on the team.
    own[0].members = [users[PEOPLE["team_member"]]]
    leaver = users["staf2.disdukcapil@quickwin.balikpapan.go.id"]
    own[1].owner = leaver
    own[1].members = [leaver, users[PEOPLE["team_member"]]]
    leaver.active = False
    # A comment young enough to be edited by its author, on the team member's initiative.
    db.session.add(Comment(initiative=own[0], author=users[PEOPLE["staff"]],
                           body="Baris pertama\nBaris kedua, dengan spasi di akhir  "))
    db.session.add(Comment(initiative=own[0], author=users[PEOPLE["team_member"]],
                           body="Dari Diskominfo."))
    # A description with line breaks, which browsers send back as CRLF.
    own[0].description = "Langkah 1: daftar.\nLangkah 2: datang.\n\nSelesai."
    # Someone with Telegram linked, who chose it for some kinds of message (issue 16).
    users[PEOPLE["staff"]].telegram_chat_id = 424242
    users[PEOPLE["staff"]].notification_channels = {"mentions": "both", "digest": "telegram"}
    archived = own[-1]
    archived.archived, archived.archived_at = True, utcnow()
    db.session.flush()
    start_review(users["reviewer.setda@quickwin.balikpapan.go.id"], preset("quarter", local_today()))
    queue_email(kind="test", dedupe_key="roundtrip:1", to=users[PEOPLE["manager"]],
                subject="Tes", template="test", context={})
    # Webhook endpoints (issue 15): one with a private-address allowance, one disabled, and an
    # event in each one's log.
    admin = users[PEOPLE["admin"]]
    hooks = [create_endpoint(admin, "https://hooks.example.org/quickwin", "SIPD sync",
                             ["initiative.created", "initiative.moved"]),
             create_endpoint(admin, "http://10.0.0.5:8080/in", "", ["comment.added"],
                             allow_private=True)]
    set_active(admin, hooks[1], False)
    for hook in hooks:
        queue_ping(hook, admin)
    db.session.commit()
    return {"users": users, "own": own, "archived": archived}


def sign_in_through_form(client, user: User) -> None:
    """Through the login form as rendered (CSRF protection is on here)."""
    form = forms_in(client.get("/auth/login").get_data(as_text=True), "/auth/login")[0]
    fields = dict(form.entries()[0])
    fields.update(email=user.email, password=DEMO_PASSWORD)
    assert client.post("/auth/login", data=fields).status_code == 303, f"{user.email} not signed in"


class Samples:
    """Values for the URL parameters of GET routes, as one person would meet them."""

    def __init__(self, demo_world, person: str):
        self.user = demo_world["users"].get(PEOPLE[person] or "")
        own = demo_world["own"]
        by_stage: dict[int, Initiative] = {}
        for initiative in db.session.scalars(
                sa.select(Initiative).where(Initiative.archived.is_(False)).order_by(Initiative.id)):
            by_stage.setdefault(initiative.stage_id, initiative)
        # Their unit's: the team member's (with comments) and the deactivated owner's; an
        # archived one; a proposal and a rolled-out one (of other units).
        stages = list(by_stage.values())
        chosen = [*own[:2], demo_world["archived"], stages[0], stages[-1]]
        self.initiatives = list({i.id: i for i in chosen}.values())

    def _milestones(self):
        for initiative in self.initiatives:
            for milestone in db.session.scalars(
                    sa.select(Milestone).where(Milestone.initiative_id == initiative.id)
                    .order_by(Milestone.position).limit(2)):
                yield {"initiative_id": initiative.id, "milestone_id": milestone.id}

    def _comments(self):
        for comment in db.session.scalars(sa.select(Comment).order_by(Comment.id.desc()).limit(4)):
            yield {"initiative_id": comment.initiative_id, "comment_id": comment.id}

    def _updates(self):
        for update in db.session.scalars(
                sa.select(ProgressUpdate).order_by(ProgressUpdate.id.desc()).limit(4)):
            yield {"initiative_id": update.initiative_id, "update_id": update.id}

    def for_rule(self, rule) -> list[dict]:
        args = set(rule.arguments)
        if not args:
            return [{}]
        ids = lambda model, n=4: list(db.session.scalars(  # noqa: E731
            sa.select(model.id).order_by(model.id).limit(n)))
        if args == {"initiative_id"}:
            return [{"initiative_id": i.id} for i in self.initiatives]
        if args == {"initiative_id", "milestone_id"}:
            return list(self._milestones())
        if args == {"initiative_id", "comment_id"}:
            return list(self._comments())
        if args == {"initiative_id", "update_id"}:
            return list(self._updates())
        if args == {"user_id"}:
            users = db.session.scalars(sa.select(User).order_by(User.id)).all()
            picked = [u for u in users if not u.active][:1] + users[:4]
            if self.user is not None:
                picked.append(self.user)
            return [{"user_id": u.id} for u in {u.id: u for u in picked}.values()]
        simple = {"unit_id": Unit, "stage_id": Stage, "tag_id": Tag, "review_id": Review,
                  "message_id": OutboxMessage, "evidence_id": Evidence,
                  "measurement_id": Measurement, "endpoint_id": WebhookEndpoint}
        if len(args) == 1 and next(iter(args)) in simple:
            name = next(iter(args))
            n = 10 if name == "stage_id" else 4
            return [{name: i} for i in ids(simple[name], n)]
        if args == {"dimension", "stage"}:
            return [{"dimension": "governance", "stage": "proposed"}]
        if args == {"token"} and rule.endpoint == "auth.reset_password":
            user = self.user or db.session.scalar(sa.select(User).where(User.active.is_(True)))
            return [{"token": reset_token(user)}]
        if args == {"token"} and rule.endpoint == "preferences.unsubscribe":
            user = self.user or db.session.scalar(sa.select(User).where(User.role == "manager"))
            return [{"token": unsubscribe_token(user, "digest")}]
        raise AssertionError(f"no sample values for {rule.rule} ({rule.endpoint}): add them to "
                             "Samples.for_rule")


BOOKKEEPING = {"change_clock", "initiative_status", "status_refresh"}


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table, as the database driver returns them, in a stable order; not the
    live board's ``change_clock``, which the database moves with any write a board shows
    (migration 0012), nor the kept statuses (``lifecycle.kept``), which any reader refreshes:
    bookkeeping, not data a form sets."""
    rows = {}
    with db.engine.connect() as conn:
        cursor = conn.connection.cursor()
        for table in db.metadata.sorted_tables:
            if table.name in BOOKKEEPING:
                continue
            columns = ", ".join(f'"{c.name}"' for c in table.columns)
            order = ", ".join(str(n + 1) for n in range(len(table.columns)))
            cursor.execute(f'SELECT {columns} FROM "{table.name}" ORDER BY {order}')
            rows[table.name] = [tuple(r) for r in cursor.fetchall()]
        cursor.close()
    return rows


def differences(before, after, *, only_inserts_allowed: bool) -> list[str]:
    found = []
    for name, old in before.items():
        new = after[name]
        if old == new:
            continue
        if only_inserts_allowed and new[:len(old)] == old:
            continue
        lost = [r for r in old if r not in new]
        gained = [r for r in new if r not in old]
        if len(lost) == len(gained) == 1 and len(lost[0]) == len(gained[0]):
            columns = [c.name for c in db.metadata.tables[name].columns]
            changed = {columns[i]: (a, b) for i, (a, b) in enumerate(zip(lost[0], gained[0], strict=True))
                       if a != b}
            found.append(f"{name}: row {lost[0][0]} changed {changed}")
            continue
        found.append(f"{name}: {len(lost)} rows changed or deleted {_short(lost)}, "
                     f"{len(gained)} new or changed {_short(gained)}")
    return found


def _short(rows: list[tuple]) -> str:
    text = repr(rows[:2])
    return text if len(text) < 400 else text[:400] + "…"


def pages(app, samples):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint in NOT_PAGES:
            continue
        if rule.rule.startswith("/api/"):  # the API answers JSON (tests/api): no forms there
            continue
        for values in samples.for_rule(rule):
            with app.test_request_context():
                from flask import url_for

                yield rule.endpoint, url_for(rule.endpoint, **values)


@pytest.mark.parametrize("person", list(PEOPLE))
def test_every_form_sent_unchanged_changes_nothing(app, client, demo_world, person):
    samples = Samples(demo_world, person)
    if samples.user is not None:
        sign_in_through_form(client, samples.user)
    headers = page_headers(client.get("/auth/account" if samples.user else "/auth/login")
                           .get_data(as_text=True))

    sent: set[tuple] = set()
    seen_forms: dict[str, int] = defaultdict(int)
    problems: list[str] = []
    for endpoint, url in pages(app, samples):
        for hx in (False, True):
            answer = client.get(url, headers={"HX-Request": "true"} if hx else {})
            state = None  # (a page may set something up on first view, e.g. a calendar token)
            assert answer.status_code < 500, f"GET {url} ({'htmx' if hx else 'page'}): {answer.status_code}"
            if answer.mimetype != "text/html" or answer.status_code != 200:
                continue
            for form in forms_in(answer.get_data(as_text=True), url):
                if form.method != "post" or form.is_action_button:
                    continue
                seen_forms[form.action.split("?")[0]] += 1
                variants = [form.submission()]
                if form.hx_post:
                    variants.append(form.submission(htmx=True, page_headers=headers))
                for submission in variants:
                    key = (submission.url, tuple(submission.fields), tuple(submission.files),
                           bool(submission.headers))
                    if key in sent:
                        continue
                    sent.add(key)
                    before = state if state is not None else snapshot()
                    response = client.post(submission.url, data=submission.data(),
                                           headers=submission.headers,
                                           content_type="multipart/form-data"
                                           if submission.multipart else None)
                    after = state = snapshot()
                    how = "htmx" if submission.headers else "browser"
                    where = f"{person} on {url} ({endpoint}), {how}: {form.description}"
                    if response.status_code >= 500 or response.status_code == 400:
                        problems.append(f"{where}: answered {response.status_code}")
                    for difference in differences(before, after, only_inserts_allowed=form.creates):
                        problems.append(f"{where}: {difference}")
    assert not problems, "\n".join(problems)
    # The harness really met forms (a sanity check on the demo world, not a list to maintain).
    assert seen_forms, f"{person} met no form at all"


def test_the_harness_meets_the_forms_people_use(app, client, demo_world):
    """A few forms every person relies on are among those the harness sends (guards against a
    world or a sample set that silently stopped reaching them)."""
    staff = demo_world["users"][PEOPLE["staff"]]
    initiative = demo_world["own"][0]
    sign_in_through_form(client, staff)
    html = client.get(f"/initiatives/{initiative.id}/edit").get_data(as_text=True)
    actions = {f.action for f in forms_in(html, f"/initiatives/{initiative.id}/edit")}
    assert f"/initiatives/{initiative.id}/edit" in actions


def test_the_edit_form_shows_what_is_stored(app, client, demo_world):
    """The bug that started issue #10: the edit form's selects showed nothing selected, so the
    browser sent each select's first option."""
    admin = demo_world["users"][PEOPLE["admin"]]
    initiative = demo_world["own"][1]  # a deactivated owner, on the team too
    sign_in_through_form(client, admin)
    html = client.get(f"/initiatives/{initiative.id}/edit").get_data(as_text=True)
    form = next(f for f in forms_in(html, "/") if f.action.endswith("/edit"))
    fields = dict(form.entries()[0])
    assert fields["unit"] == str(initiative.unit_id)
    assert fields["dimension"] == str(initiative.dimension_id)
    assert fields["owner"] == str(initiative.owner_id)
    entries = form.entries()[0]
    assert sorted(v for n, v in entries if n == "members") == sorted(
        str(m.id) for m in initiative.members)


def test_changing_only_the_title_changes_only_the_title(app, client, demo_world):
    """The issue's "done when": change the title alone, save: only the title changed and the
    trail has one entry."""
    from quickwin_tracker.models import Activity

    manager = demo_world["users"][PEOPLE["manager"]]
    initiative = demo_world["own"][0]
    sign_in_through_form(client, manager)
    url = f"/initiatives/{initiative.id}/edit"
    form = next(f for f in forms_in(client.get(url).get_data(as_text=True), url)
                if f.action == url)
    submission = form.submission()
    fields = [(n, "Judul baru" if n == "title" else v) for n, v in submission.fields]
    before = snapshot()
    trail_before = db.session.scalar(sa.select(sa.func.count()).select_from(Activity))
    assert client.post(url, data=dict_of_lists(fields)).status_code == 303
    after = snapshot()
    changed = differences(before, after, only_inserts_allowed=False)
    assert [c.split(":")[0] for c in changed] == ["initiative", "activity"]
    db.session.expire_all()
    stored = db.session.get(Initiative, initiative.id)
    assert stored.title == "Judul baru"
    assert stored.description == "Langkah 1: daftar.\nLangkah 2: datang.\n\nSelesai."
    entries = db.session.scalars(sa.select(Activity).where(Activity.initiative_id == initiative.id)
                                 .order_by(Activity.id.desc())).all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Activity)) == trail_before + 1
    assert entries[0].verb == "updated" and list(entries[0].data["changes"]) == ["title"]


def dict_of_lists(fields):
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    return data


def test_an_unchanged_save_keeps_the_version(app, client, demo_world):
    manager = demo_world["users"][PEOPLE["manager"]]
    initiative = demo_world["own"][1]
    version = initiative.version
    sign_in_through_form(client, manager)
    url = f"/initiatives/{initiative.id}/edit"
    form = next(f for f in forms_in(client.get(url).get_data(as_text=True), url) if f.action == url)
    assert client.post(url, data=form.submission().data()).status_code == 303
    db.session.expire_all()
    assert db.session.get(Initiative, initiative.id).version == version


def test_stale_recent_reviews_do_not_leak(app, demo_world):
    """(The demo world's review is as a reviewer would start it.)"""
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Review)) == 1
    assert utcnow() - db.session.scalar(sa.select(Review.started_at)) < timedelta(minutes=5)


@pytest.mark.parametrize("person", ["manager", "reviewer"])
def test_the_quarterly_report_form_sent_unchanged_downloads_what_it_shows(app, client, demo_world,
                                                                          person):
    """A GET form (OPD, year, quarter): sent as rendered, it downloads the report of the OPD and
    quarter it shows, and changes nothing."""
    import io

    from openpyxl import load_workbook

    from quickwin_tracker.review.periods import quarter_number

    user = demo_world["users"][PEOPLE[person]]
    sign_in_through_form(client, user)
    url = "/reports/quarterly"
    form = next(f for f in forms_in(client.get(url).get_data(as_text=True), url)
                if f.action == "/reports/quarterly.xlsx")
    submission = form.submission()
    assert submission.method == "get"
    fields = dict(submission.fields)
    today = local_today()
    assert (fields["year"], fields["quarter"]) == (str(today.year), str(quarter_number(today)))
    expected = user.unit.code if person == "manager" else db.session.scalar(
        sa.select(Unit.code).where(Unit.active.is_(True)).order_by(Unit.code))
    assert fields["unit"] == expected
    before = snapshot()
    response = client.get(submission.url, query_string=fields)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert differences(before, snapshot(), only_inserts_allowed=False) == []
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    assert sheet["A2"].value.startswith(f"{expected} · ")
    assert sheet["A3"].value.endswith(f"{today.year})")
    assert f"-{today.year}-T{quarter_number(today)}.xlsx" in response.headers[
        "Content-Disposition"]
