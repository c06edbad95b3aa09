"""Weekly digests: content for managers (their unit only) and reviewers (the city), exactly once
per person and week, a constant number of queries, the browser preview and ``digest send``.

The frozen ``NOW`` is Monday 23 November 2026, 07:00 in Balikpapan (ISO week 2026-W48); the
digest of that week reports on Monday 16 to Sunday 22 November.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from quickwin_tracker import create_app
from quickwin_tracker.digests import emails, jobs
from quickwin_tracker.digests.services import build_digest
from quickwin_tracker.digests.weeks import DigestWeek
from quickwin_tracker.domain.clock import local_today
from quickwin_tracker.extensions import db
from quickwin_tracker.mail.outbox import deliver_outbox
from quickwin_tracker.mail.planning import render_plan
from quickwin_tracker.models import (
    Activity,
    Comment,
    Indicator,
    Initiative,
    Measurement,
    Milestone,
    OutboxMessage,
)
from quickwin_tracker.reminders.services import stale_initiatives

BASE = "https://quickwin.example.go.id"
WEEK = DigestWeek(2026, 48)
REPORTED_MONDAY = date(2026, 11, 16)


def at(year, month, day, hour=0, minute=0, tz="Asia/Makassar") -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(tz)).astimezone(UTC)


NOW = at(2026, 11, 23, 7, 0)
SPAN_EN = "Nov 16 – 22, 2026"


@pytest.fixture
def app_config():
    return {"BASE_URL": BASE}


def bodies(message):
    return (message.get_body(("plain",)).get_content().replace("\r\n", "\n"),
            message.get_body(("html",)).get_content().replace("\r\n", "\n"))


def move(initiative, stages, from_code, to_code, when, actor=None):
    old, new = stages[from_code], stages[to_code]
    db.session.add(Activity(
        initiative_id=initiative.id, actor=actor, verb="moved", created_at=when,
        data={"from_stage": old.code, "to_stage": new.code,
              "from_name": {"id": old.name_id, "en": old.name_en},
              "to_name": {"id": new.name_id, "en": new.name_en}},
    ))
    db.session.commit()


def touch(initiative, when, verb="updated"):
    db.session.add(Activity(initiative_id=initiative.id, verb=verb, data={}, created_at=when))
    db.session.commit()


def add_indicator(initiative, name, values=(), baseline=0.0, target=100.0):
    """An indicator and its measurements: ``values`` are (value, status, recorded_at)."""
    indicator = Indicator(initiative_id=initiative.id, name=name, baseline=baseline,
                          target=target, unit_of_measure="users", created_at=at(2026, 9, 1))
    db.session.add(indicator)
    db.session.flush()
    for value, status, recorded in values:
        db.session.add(Measurement(indicator_id=indicator.id, value=value, status=status,
                                   measured_on=recorded.date(), recorded_at=recorded))
    db.session.commit()
    return indicator


def add_milestone(initiative, title, due, responsible=None):
    db.session.add(Milestone(initiative_id=initiative.id, title=title, due_date=due,
                             responsible=responsible))
    db.session.commit()


@pytest.fixture
def city(app, make_unit, make_user, make_initiative, stages):
    a = make_unit("DISKOMINFO", "Dinas Komunikasi dan Informatika")
    b = make_unit("DINKES", "Dinas Kesehatan")
    people = {
        "manager_a": make_user("manager", a, name="Kepala Kominfo", email="kepala.a@example.go.id",
                               locale="en"),
        "manager_b": make_user("manager", b, name="Kepala Dinkes", email="kepala.b@example.go.id",
                               locale="en"),
        "reviewer": make_user("reviewer", name="Reviewer Rina", email="rina@example.go.id",
                              locale="en"),
        "staff_a": make_user("staff", a, name="Staf Kominfo", email="staf.a@example.go.id",
                             locale="en"),
        "admin": make_user("admin", name="Admin Adi", email="adi@example.go.id", locale="en"),
    }
    created = at(2026, 9, 1, 9)
    far = date(2027, 6, 30)

    portal = make_initiative(a, stage="in_progress", title="Alpha Portal", owner=people["staff_a"],
                             created_at=created, stage_entered_at=at(2026, 11, 18, 10),
                             target_date=far)
    move(portal, stages, "approved", "in_progress", at(2026, 11, 18, 10), people["staff_a"])
    add_milestone(portal, "Alpha pilot", date(2026, 11, 26), people["staff_a"])
    add_milestone(portal, "Alpha MoU", date(2026, 11, 20), people["manager_a"])
    add_indicator(portal, "Alpha users", [(40, "verified", at(2026, 11, 19, 9)),
                                          (60, "submitted", at(2026, 11, 20, 9))])
    sleepy = make_initiative(a, stage="pilot", title="Alpha Sleepy", created_at=created,
                             stage_entered_at=at(2026, 10, 1), target_date=far)
    touch(sleepy, at(2026, 10, 1, 9))
    launched = make_initiative(a, stage="rolled_out", title="Alpha Launched", created_at=created,
                               stage_entered_at=at(2026, 11, 17, 15), target_date=far)
    move(launched, stages, "pilot", "rolled_out", at(2026, 11, 17, 15))
    make_initiative(a, stage="in_progress", title="Alpha Archived", archived=True,
                    created_at=created, target_date=far)

    clinic = make_initiative(b, stage="in_progress", title="Beta Clinic", created_at=created,
                             stage_entered_at=at(2026, 11, 19, 8), target_date=far)
    move(clinic, stages, "approved", "in_progress", at(2026, 11, 19, 8))
    add_milestone(clinic, "Beta overdue", date(2026, 11, 1))
    add_indicator(clinic, "Beta visits", [(10, "verified", at(2026, 11, 18, 9))])
    beta_launched = make_initiative(b, stage="rolled_out", title="Beta Launched",
                                    created_at=created, stage_entered_at=at(2026, 11, 20, 11),
                                    target_date=far)
    move(beta_launched, stages, "pilot", "rolled_out", at(2026, 11, 20, 11))
    return people | {"unit_a": a, "unit_b": b, "portal": portal, "clinic": clinic}


def deliver(app, smtp_server, now=NOW):
    smtp_server.configure(app)
    db.session.commit()
    report = deliver_outbox(now=now)
    assert report.failed == 0 and report.retried == 0
    return {m["To"]: m for m in smtp_server.messages}


# --------------------------------------------------------------------------- content


def test_manager_digest_shows_their_unit_only(app, city, smtp_server):
    assert jobs.send_weekly_digests(NOW) == {"recipients": 3, "queued": 3, "already_queued": 0}
    messages = deliver(app, smtp_server)
    assert set(messages) == {"kepala.a@example.go.id", "kepala.b@example.go.id",
                             "rina@example.go.id"}

    email = messages["kepala.a@example.go.id"]
    assert email["Subject"] == f"Weekly digest for DISKOMINFO, {SPAN_EN}"
    assert email["List-Unsubscribe"].startswith(f"<{BASE}/preferences/unsubscribe/")
    text, html = bodies(email)
    for body in (text, html):
        assert "Dinas Komunikasi dan Informatika" in body
        assert f"“This week” means {SPAN_EN}." in body
        for title in ("Alpha Portal", "Alpha pilot", "Alpha MoU", "Alpha users", "Alpha Sleepy",
                      "Alpha Launched"):
            assert title in body
        # Never another unit's initiatives, nor archived ones.
        assert "Beta" not in body and "DINKES" not in body and "Alpha Archived" not in body
        assert "Nothing to report" not in body
        assert f"{BASE}/initiatives/{city['portal'].id}" in body
    assert "Alpha Portal: Approved → In progress" in text
    assert "Approved → <strong>In progress</strong>" in html
    assert "== Overdue milestones ==\n- Alpha MoU: Nov 20, 2026, 3 days overdue (Kepala Kominfo)" \
        in text
    assert "- Alpha pilot: Nov 26, 2026, due in 3 days (Staf Kominfo)" in text
    # The new measurements, with the indicator's progress from the verified one only.
    assert "- Alpha users: 40 users (Nov 19, 2026, verified); progress: 40%" in text
    assert "- Alpha users: 60 users (Nov 20, 2026, awaiting verification); progress: 40%" in text
    assert "Alpha Sleepy (Pilot): 53 days without activity" in text
    assert "▲ at risk (1)" in text and "milestone “Alpha MoU” is 3 days overdue" in text
    assert "== Initiatives by stage ==\n- Proposed: 0\n- Approved: 0\n- In progress: 1\n" \
        "- Pilot: 1\n- Rolled out: 1\n" in text
    assert "3 initiatives on the board" in text
    assert f'<a href="{BASE}/board/"' in html and "<style" not in html

    text_b, html_b = bodies(messages["kepala.b@example.go.id"])
    assert "Beta Clinic" in text_b and "Beta Clinic" in html_b
    assert "Alpha" not in text_b and "Alpha" not in html_b


def test_reviewer_digest_covers_the_city(app, city, smtp_server):
    jobs.send_weekly_digests(NOW)
    email = deliver(app, smtp_server)["rina@example.go.id"]
    assert email["Subject"] == f"Weekly digest for Balikpapan, {SPAN_EN}"
    text, html = bodies(email)
    assert "== Rolled out this week ==\n- Alpha Launched (DISKOMINFO, Nov 17, 2026)" in text
    assert "- Beta Launched (DINKES, Nov 20, 2026)" in text
    assert "== At risk and off track ==\n- ✖ off track: Beta Clinic (DINKES, In progress)\n" \
        "  milestone “Beta overdue” is 22 days overdue" in text
    assert "- ▲ at risk: Alpha Portal (DISKOMINFO, In progress)" in text
    assert "- DISKOMINFO · Dinas Komunikasi dan Informatika: 3 (at risk 1, on track 1, done 1)" \
        in text
    assert "- DINKES · Dinas Kesehatan: 2 (off track 1, done 1)" in text
    assert "- Smart governance: 5 (off track 1, at risk 1, on track 1, done 2)" in text
    assert "- Smart economy: 0" in text  # every dimension, even an empty one
    for body in (text, html):
        assert "Alpha Archived" not in body
        assert "Beta overdue" in body
    assert "✖ off track" in html and "Smart governance" in html


def test_digest_in_the_recipients_language(app, city, make_user, smtp_server):
    city["manager_a"].locale = "id"
    db.session.commit()
    plan = emails.plan_digest(city["manager_a"], WEEK, NOW)
    text = render_plan(plan).text
    assert "Alpha Portal: Disetujui → Pelaksanaan" in text  # stage names as stored in Indonesian
    assert "“Minggu ini” berarti 16–22 Nov 2026." in text  # the week the Indonesian way


def test_a_week_with_nothing_to_report_says_so_in_one_line(app, make_unit, make_user,
                                                          make_initiative, smtp_server):
    unit = make_unit("DISHUB", "Dinas Perhubungan")
    make_user("manager", unit, name="Kepala Dishub", email="kepala.dishub@example.go.id",
              locale="en")
    calm = make_initiative(unit, stage="in_progress", title="Calm Bus Stops",
                           created_at=at(2026, 11, 10), stage_entered_at=at(2026, 11, 10),
                           target_date=date(2027, 6, 30))
    touch(calm, at(2026, 11, 10))
    jobs.send_weekly_digests(NOW)
    [email] = deliver(app, smtp_server).values()
    text, html = bodies(email)
    line = ("Nothing to report this week: no initiative moved, no milestone is due or overdue, "
            "no new measurement, and nothing is stale or at risk.")
    assert text.count(line) == 1 and html.count(line) == 1
    assert "Calm Bus Stops" in text  # the standing summary is still there
    for heading in ("Moved this week", "Overdue milestones", "New measurements"):
        assert heading not in text


def test_reviewer_with_nothing_to_report(app, make_user, smtp_server):
    make_user("reviewer", email="rina@example.go.id", locale="en")
    jobs.send_weekly_digests(NOW)
    [email] = deliver(app, smtp_server).values()
    text, html = bodies(email)
    line = ("Nothing to report this week: no quick win was rolled out and none is at risk or off "
            "track.")
    assert text.count(line) == 1 and html.count(line) == 1
    assert "There is no initiative on the board yet." in text


def test_the_reported_week_is_local_monday_to_monday(app, city, stages, make_initiative):
    unit = city["unit_a"]
    for title, when in (("Edge before", at(2026, 11, 15, 23, 30)),
                        ("Edge first", at(2026, 11, 16, 0, 30)),
                        ("Edge last", at(2026, 11, 22, 23, 30)),
                        ("Edge after", at(2026, 11, 23, 0, 30))):
        initiative = make_initiative(unit, stage="approved", title=title,
                                     created_at=at(2026, 9, 1), target_date=date(2027, 6, 30))
        move(initiative, stages, "proposed", "approved", when)
    digest = build_digest(city["manager_a"], REPORTED_MONDAY, NOW)
    titles = [m.title for m in digest.moved]
    assert "Edge first" in titles and "Edge last" in titles
    assert "Edge before" not in titles and "Edge after" not in titles


def test_who_receives_a_digest(app, city, make_user, make_unit):
    no_unit = make_user("manager", email="nounit@example.go.id")
    no_unit.unit = None  # a manager without a unit
    db.session.commit()
    make_user("manager", make_unit(), email="off@example.go.id", digest_enabled=False)
    make_user("manager", make_unit(), email="inactive@example.go.id", active=False)
    make_user("reviewer", email="off.reviewer@example.go.id", digest_enabled=False)
    assert {u.email for u in emails.recipients()} == {
        "kepala.a@example.go.id", "kepala.b@example.go.id", "rina@example.go.id"}
    with pytest.raises(ValueError):
        build_digest(city["staff_a"], REPORTED_MONDAY, NOW)


# --------------------------------------------------------------------------- exactly once


def test_the_same_digest_is_never_queued_twice_even_after_a_restart(app, city, smtp_server):
    assert jobs.send_weekly_digests(NOW)["queued"] == 3
    db.session.commit()
    assert jobs.send_weekly_digests(NOW + timedelta(hours=1)) == {
        "recipients": 3, "queued": 0, "already_queued": 3}
    db.session.commit()

    # A restart: a new app instance (new engine, new session) on the same database.
    config = {"TESTING": True, "SECRET_KEY": "test-secret", "BASE_URL": BASE,
              "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]}
    other = create_app(config)
    with other.app_context():
        assert jobs.send_weekly_digests(NOW + timedelta(days=2))["queued"] == 0
        db.session.commit()
        db.session.remove()
        db.engine.dispose()

    keys = list(db.session.scalars(sa.select(OutboxMessage.dedupe_key)
                                   .where(OutboxMessage.kind == "digest")))
    assert sorted(keys) == sorted(f"digest:{city[p].id}:2026-W48"
                                  for p in ("manager_a", "manager_b", "reviewer"))
    deliver(app, smtp_server)
    assert len(smtp_server.messages) == 3
    # The next week is a new digest.
    assert jobs.send_weekly_digests(NOW + timedelta(days=7))["queued"] == 3


# --------------------------------------------------------------------------- queries


def _unit_with(n, make_unit, make_user, make_initiative, stages, code):
    unit = make_unit(code)
    manager = make_user("manager", unit, locale="en")
    for i in range(n):
        initiative = make_initiative(unit, stage="in_progress", title=f"{code} {i}",
                                     owner=manager, created_at=at(2026, 9, 1),
                                     target_date=date(2027, 6, 30))
        move(initiative, stages, "approved", "in_progress", at(2026, 11, 18, 10))
        add_milestone(initiative, f"{code} soon {i}", date(2026, 11, 25), manager)
        add_milestone(initiative, f"{code} late {i}", date(2026, 11, 2), manager)
        add_indicator(initiative, f"{code} users {i}", [(30, "verified", at(2026, 11, 17, 9))])
    return manager


def test_a_digest_costs_the_same_queries_for_3_or_30_initiatives(app, make_unit, make_user,
                                                                make_initiative, stages,
                                                                count_queries):
    small = _unit_with(3, make_unit, make_user, make_initiative, stages, "SMALL")
    reviewer = make_user("reviewer", locale="en")

    def count(user):
        db.session.expire_all()
        with count_queries() as counter:
            digest = build_digest(user, REPORTED_MONDAY, NOW)
        return counter.count, digest

    small_count, small_digest = count(small)
    reviewer_small, _ = count(reviewer)
    large = _unit_with(30, make_unit, make_user, make_initiative, stages, "LARGE")
    large_count, large_digest = count(large)
    reviewer_large, reviewer_digest = count(reviewer)

    assert len(small_digest.moved) == 3 and len(large_digest.moved) == 30
    assert len(large_digest.overdue) == 30 and len(large_digest.measurements) == 30
    assert len(reviewer_digest.at_risk) == 33
    assert small_count == large_count
    assert reviewer_small == reviewer_large
    # (+3 since issue 14: the week's progress updates, and the late ones: initiatives and their
    # latest updates)
    assert small_count <= 15


# --------------------------------------------------------------------------- preview


def test_preview_of_ones_own_digest(app, city, auth, client):
    auth.login(city["manager_a"])
    response = client.get("/digests/preview")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'sandbox="allow-top-navigation-by-user-activation"' in page
    assert "srcdoc=" in page and "&lt;html" in page  # the email, escaped inside the attribute
    assert "<details>" in page and "Alpha Portal" in page
    assert "Beta Clinic" not in page
    assert "Weekly digest for DISKOMINFO" in page


def test_admins_preview_anyones_digest(app, city, auth, client):
    auth.login(city["admin"])
    response = client.get(f"/digests/preview?user={city['manager_b'].id}&week=2026-W48")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Beta Clinic" in page and "Alpha Portal" not in page
    assert "kepala.b@example.go.id" in page
    assert "November 16, 2026" in page  # week 48 reports on the week before
    assert "Sent in week 48 of 2026 (Nov 23 – 29, 2026)" in page  # the week named by its days
    assert client.get("/digests/preview?user=999999").status_code == 404
    # Regression (tests/web/test_fuzz.py): a number beyond any id column was a 500 on PostgreSQL.
    assert client.get("/digests/preview?user=" + "9" * 40).status_code == 404


def test_others_may_not_preview_someone_elses_digest(app, city, auth, client):
    auth.login(city["staff_a"])
    response = client.get(f"/digests/preview?user={city['manager_a'].id}")
    assert response.status_code == 403
    assert "Only administrators" in response.get_data(as_text=True)
    assert client.get(f"/digests/preview?user={city['staff_a'].id}").status_code == 200


def test_staff_learn_they_get_no_digest_and_see_their_reminder(app, city, auth, client):
    add_milestone(city["portal"], "Due tomorrow for real", local_today() + timedelta(days=1),
                  city["staff_a"])
    auth.login(city["staff_a"])
    page = client.get("/digests/preview").get_data(as_text=True)
    assert "You receive no weekly digest: digests go to unit heads (managers) and reviewers." \
        in page
    assert "Due tomorrow for real" in page and "milestone" in page


@pytest.mark.parametrize("query, reason", [
    ("week=2026-W99", "2026 has no week 99."),
    ("week=next-week", "Write the week as YEAR-Wnumber, e.g. 2026-W48."),
    ("user=abc", "The user must be given by number"),
])
def test_preview_refuses_bad_parameters(app, city, auth, client, query, reason):
    auth.login(city["admin"])
    response = client.get(f"/digests/preview?{query}")
    assert response.status_code == 400
    assert reason in response.get_data(as_text=True)


def test_preview_needs_a_sign_in(app, client):
    response = client.get("/digests/preview")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


# --------------------------------------------------------------------------- CLI


def test_digest_send_dry_run_prints_and_queues_nothing(app, city, runner):
    result = runner.invoke(args=["digest", "send", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "===== To: Kepala Kominfo <kepala.a@example.go.id> · Weekly digest for DISKOMINFO" \
        in result.output
    assert "===== To: Reviewer Rina <rina@example.go.id>" in result.output
    assert "Alpha Portal" in result.output and "Beta Clinic" in result.output
    assert "Dry run: 3 digest(s)" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_digest_send_queues_and_delivers(app, city, runner, smtp_server):
    smtp_server.configure(app)
    result = runner.invoke(args=["digest", "send", "--week", "2026-W48",
                                 "--user", "KEPALA.A@example.go.id"])
    assert result.exit_code == 0, result.output
    assert "Queued 1 digest(s) for 2026-W48 (0 already queued, 1 recipients)." in result.output
    assert "Delivered the outbox via 127.0.0.1: sent 1" in result.output
    [email] = smtp_server.messages
    assert email["To"] == "kepala.a@example.go.id"
    assert email["Subject"] == f"Weekly digest for DISKOMINFO, {SPAN_EN}"
    again = runner.invoke(args=["digest", "send", "--week", "2026-W48"])
    assert "Queued 2 digest(s) for 2026-W48 (1 already queued, 3 recipients)." in again.output


@pytest.mark.parametrize("args, message", [
    (["--user", "staf.a@example.go.id"], "digests go to managers with a unit and to reviewers"),
    (["--user", "nobody@example.go.id"], "no user with email"),
    (["--week", "2026-W60"], "2026 has no week 60."),
    (["--week", "9998-W01"], "has not started yet"),
])
def test_digest_send_refuses(app, city, runner, args, message):
    result = runner.invoke(args=["digest", "send", *args])
    assert result.exit_code != 0
    assert message in result.output


def test_review_decisions_reach_the_units_manager_in_the_next_digest(app, city, smtp_server):
    """A decision of the Sekda's review about a unit's initiative appears in its manager's next
    digest (and not in another unit's)."""
    from quickwin_tracker.models import Review, ReviewDecision

    review = Review(title="Evaluasi November", period_kind="month", period_start=date(2026, 11, 1),
                    period_end=date(2026, 11, 30), started_by=city["reviewer"],
                    started_at=at(2026, 11, 18, 2), snapshot={}, agenda=[])
    db.session.add(review)
    db.session.add(ReviewDecision(review=review, initiative=city["portal"], decision="escalate",
                                  note="Bawa ke rapat Sekda", follow_up_on=date(2026, 12, 15),
                                  decided_by=city["reviewer"], decided_at=at(2026, 11, 18, 3)))
    db.session.commit()
    jobs.send_weekly_digests(NOW)
    mail = deliver(app, smtp_server)
    text_a = mail["kepala.a@example.go.id"].get_body(("plain",)).get_content()
    html_a = mail["kepala.a@example.go.id"].get_body(("html",)).get_content()
    assert "== Review decisions ==" in text_a
    assert "- Alpha Portal: escalate — Bawa ke rapat Sekda" in text_a
    assert "Evaluasi November" in text_a and "Bawa ke rapat Sekda" in html_a
    assert "#review-decisions" in text_a
    text_b = mail["kepala.b@example.go.id"].get_body(("plain",)).get_content()
    assert "Review decisions" not in text_b and "Bawa ke rapat Sekda" not in text_b


# --------------------------------------------------------------------------- words and numbers


@pytest.mark.parametrize(("monday", "language", "span"), [
    (date(2026, 11, 23), "id", "23–29 Nov 2026"),
    (date(2026, 11, 30), "id", "30 Nov – 6 Des 2026"),
    (date(2026, 12, 28), "id", "28 Des 2026 – 3 Jan 2027"),
    (date(2026, 11, 23), "en", "Nov 23 – 29, 2026"),
    (date(2026, 11, 30), "en", "Nov 30 – Dec 6, 2026"),
    (date(2026, 12, 28), "en", "Dec 28, 2026 – Jan 3, 2027"),
])
def test_the_digest_names_its_week_by_its_days(app, city, monday, language, span):
    """Subject and first paragraph name the reported week by its days, in the reader's language,
    month and year written once and both when the week crosses them."""
    manager = city["manager_a"]
    manager.locale = language
    db.session.commit()
    week = DigestWeek.of(monday + timedelta(days=7))
    plan = emails.plan_digest(manager, week, at(monday.year, monday.month, monday.day, 7)
                              + timedelta(days=7))
    assert plan.subject.endswith(f", {span}")
    assert ("“Minggu ini” berarti" if language == "id" else "“This week” means") + f" {span}." \
        in render_plan(plan).text


def test_digest_numbers_in_the_readers_language(app, city, smtp_server):
    """Values and progress through Flask-Babel: "1.234,5" and "62%" in Indonesian, "1,234.5" in
    English; read off a real SMTP server."""
    portal = city["portal"]
    add_indicator(portal, "Alpha visits", [(1234.5, "verified", at(2026, 11, 19, 9))],
                  baseline=0.0, target=2000.0)
    city["manager_a"].locale = "id"
    db.session.commit()
    jobs.send_weekly_digests(NOW)
    messages = deliver(app, smtp_server)
    text, html = bodies(messages["kepala.a@example.go.id"])
    for body in (text, html):
        assert "1.234,5 users" in body and "62%" in body
        assert "1,234.5" not in body
    city["manager_a"].locale = "en"
    db.session.commit()
    assert "- Alpha visits: 1,234.5 users" in render_plan(
        emails.plan_digest(city["manager_a"], WEEK, NOW)).text


def test_an_initiative_measured_this_week_is_not_called_inactive(app, city, smtp_server):
    """"Alpha Sleepy" has had no trail entry since October; a measurement recorded in the
    reported week (even one written without a trail entry, as imports and the demo do) counts as
    activity, for the digest and the reminders' stale nudges alike."""
    sleepy = db.session.scalar(sa.select(Initiative).where(Initiative.title == "Alpha Sleepy"))
    assert "Alpha Sleepy (Pilot): 53 days without activity" in render_plan(
        emails.plan_digest(city["manager_a"], WEEK, NOW)).text
    add_indicator(sleepy, "Sleepy naps", [(5, "submitted", at(2026, 11, 17, 9))])
    jobs.send_weekly_digests(NOW)
    text, html = bodies(deliver(app, smtp_server)["kepala.a@example.go.id"])
    for body in (text, html):
        assert "Sleepy naps" in body
        assert "without activity" not in body
    assert sleepy.id not in {s.initiative_id for s in stale_initiatives(NOW)}


def test_comments_count_as_activity(app, city):
    sleepy = db.session.scalar(sa.select(Initiative).where(Initiative.title == "Alpha Sleepy"))
    db.session.add(Comment(initiative_id=sleepy.id, author_id=city["staff_a"].id, body="Still on it",
                           created_at=at(2026, 11, 20, 9)))
    db.session.commit()
    assert sleepy.id not in {s.initiative_id for s in stale_initiatives(NOW)}
    assert not build_digest(city["manager_a"], REPORTED_MONDAY, NOW).stale


def test_with_a_short_stale_period_what_the_digest_lists_is_not_called_inactive(app, city,
                                                                               monkeypatch):
    """With ``QUICKWIN_STALE_DAYS`` shorter than the week, an initiative moved or measured early in
    the reported week is stale by the rule at ``now``, but the email that lists its move or its
    measurement does not also call it inactive."""
    monkeypatch.setitem(app.config, "STALE_DAYS", 3)
    digest = build_digest(city["manager_a"], REPORTED_MONDAY, NOW)
    listed = {m.initiative_id for m in digest.moved + digest.measurements}
    assert city["portal"].id in listed
    assert city["portal"].id in {s.initiative_id for s in stale_initiatives(NOW)}
    assert listed.isdisjoint({s.initiative_id for s in digest.stale})
    assert [s.title for s in digest.stale] == ["Alpha Sleepy"]
