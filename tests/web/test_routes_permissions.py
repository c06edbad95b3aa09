"""Issue #6: every route, visited as every kind of person, answers as the table below says.

``RULES`` maps every endpoint of ``app.url_map`` (``static`` aside) to its permission rule; a
route missing from the table fails the test: no route without an explicit permission decision.
The URL parameters come from a small world: an initiative of the staff's unit with a milestone,
an indicator, a measurement with evidence, a comment, a review, a tag, a notification and a
failed outbox message. GET requests and refused POSTs share one world; every allowed (POST endpoint,
person) pair gets a fresh one, so an allowed deletion cannot hide what the next person meets.

Expected answers: anonymous → redirect to the login page (or 401/404); forbidden → 403;
not found (someone else's object) → 404; allowed → anything but 401/403/500 (a validation
answer such as 400/409/422 for the empty POST body is fine).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date

import pytest
import sqlalchemy as sa

from quickwin_tracker.auth.reset import reset_token
from quickwin_tracker.extensions import db
from quickwin_tracker.mail.tokens import unsubscribe_token
from quickwin_tracker.models import (
    Comment,
    Evidence,
    Indicator,
    Measurement,
    Milestone,
    Notification,
    OutboxMessage,
    ProgressUpdate,
    SavedView,
    Spending,
    Tag,
    TokenScope,
    Unit,
    User,
    WebhookDelivery,
    WebhookEndpoint,
)
from quickwin_tracker.review.cycle import start_review
from quickwin_tracker.review.periods import preset
from quickwin_tracker.tokens.services import issue as issue_token
from tests.conftest import CHEAP_HASH

# team_member and team_manager: staff and manager of another unit, on the initiative's team.
PEOPLE = ("anonymous", "other_staff", "reviewer", "manager", "staff", "admin", "team_member",
          "team_manager")

# rule -> who may (everyone else signed in gets 403; "owner_only" gives others 404)
ALLOWED = {
    "public": set(PEOPLE),
    "token": set(PEOPLE),  # the URL carries a signed or secret token
    "signed_in": set(PEOPLE) - {"anonymous"},
    "create": {"other_staff", "manager", "staff", "admin", "team_member", "team_manager"},
    # the content: the owning unit and the team
    "edit_initiative": {"staff", "manager", "admin", "team_member", "team_manager"},
    # its unit, owner, team and archive state: the owning unit only (permissions.can_manage)
    "manage_initiative": {"staff", "manager", "admin"},
    "summary": {"reviewer", "manager", "admin", "team_manager"},
    "reviewer": {"reviewer", "admin"},
    "admin": {"admin"},
    "comment_author": {"staff"},
    "update_author": {"staff"},  # a progress update's author, within its 15 minutes
    "owner_only": {"staff"},
    # the staff member's access token: its owner and admins revoke it; others do not see it (404)
    "token_owner": {"staff", "admin"},
}

RULES: dict[str, str] = {
    # core, auth
    "core.index": "public",
    "core.healthz": "public",
    "core.set_language": "public",
    "public.outcomes": "public",  # 404 unless QUICKWIN_PUBLIC_PAGE: never 403/500
    "public.quick_wins_csv": "public",  # its open data: the same (public/opendata.py)
    "public.outcomes_csv": "public",
    "public.catalog": "public",
    "auth.login": "public",
    "auth.logout": "public",
    "auth.forgot_password": "public",
    "auth.reset_password": "token",
    "auth.account": "signed_in",
    "auth.change_password": "signed_in",
    "auth.change_language": "signed_in",
    # "Sign in with the city account" (identity/oidc.py): 404 unless OpenID Connect is set up
    "oidc.login": "public",
    "oidc.callback": "public",
    # the second factor (issue 16): the sign-in's second step answers everyone (without a
    # password typed first it sends back to the login); one's own two-step verification
    "auth.second_factor": "public",
    "auth.enrol_now": "public",
    "auth.two_factor": "signed_in",
    "auth.two_factor_enable": "signed_in",
    "auth.recovery_codes": "signed_in",
    "auth.two_factor_disable": "signed_in",
    "preferences.index": "signed_in",
    "preferences.unsubscribe": "token",
    "preferences.channels": "signed_in",
    # Telegram (issue 16): one's own link and unlink (404 without a bot, as in these tests); the
    # bot's webhook carries its secret in the path and a header
    "channels.telegram_link": "signed_in",
    "channels.telegram_unlink": "signed_in",
    "channels.webhook": "token",
    "tokens.index": "signed_in",
    "tokens.create": "signed_in",
    "tokens.revoke": "token_owner",
    "tokens.all_tokens": "admin",
    "calendar.index": "signed_in",
    "calendar.reset": "signed_in",
    "calendar.mine": "token",
    "calendar.unit": "token",
    # reading the city's work
    "board.index": "signed_in",
    "board.cell_more": "signed_in",
    "board.version": "signed_in",  # the live board's poll
    "board.card": "signed_in",  # a card's quick view: whoever sees the board
    "board.fold": "signed_in",  # the reader's own board settings
    "board.density": "signed_in",
    "board.set_scope": "signed_in",  # the reader's own board settings
    "board.saved_views": "signed_in",
    "board.save_view": "signed_in",
    "board.delete_view": "owner_only",  # the staff member's saved view
    "initiatives.detail": "signed_in",
    "initiatives.archived": "signed_in",
    "milestones.section": "signed_in",
    "comments.index": "signed_in",
    "comments.add": "signed_in",
    "updates.index": "signed_in",
    "budget.index": "signed_in",
    "feed.index": "signed_in",
    "evidence.download": "signed_in",
    "notifications.index": "signed_in",
    "notifications.read_all": "signed_in",
    "notifications.read": "owner_only",
    "digests.preview": "signed_in",  # one's own digest; ?user= is admin-only (tested below)
    "transfer.export_csv": "signed_in",
    "transfer.export_xlsx": "signed_in",
    "transfer.links": "signed_in",
    # changing initiatives
    "initiatives.new": "create",
    "transfer.import_form": "create",
    "transfer.import_preview": "create",
    "transfer.import_confirm": "create",
    "transfer.template_csv": "create",
    "transfer.template_xlsx": "create",
    "initiatives.edit": "edit_initiative",
    "initiatives.archive": "manage_initiative",
    "initiatives.unarchive": "manage_initiative",
    "board.move_form": "edit_initiative",
    "board.move": "edit_initiative",
    "milestones.add": "edit_initiative",
    "milestones.edit": "edit_initiative",
    "milestones.complete": "edit_initiative",
    "milestones.reopen": "edit_initiative",
    "milestones.delete": "edit_initiative",
    "outcomes.add_indicator": "edit_initiative",
    "outcomes.edit_indicator": "edit_initiative",
    "outcomes.delete_indicator": "edit_initiative",
    "outcomes.save_plan": "edit_initiative",  # who may edit indicators may edit their plans
    "outcomes.reset_plan": "edit_initiative",
    "outcomes.record_measurement": "edit_initiative",
    # the world's measurement is submitted: its unit corrects or withdraws it (a verified one:
    # reviewers and admins, see test_a_verified_measurement_is_amended_by_reviewers_and_admins)
    "outcomes.correct_measurement": "edit_initiative",
    "outcomes.withdraw_measurement": "edit_initiative",
    "comments.edit": "comment_author",
    "updates.add": "edit_initiative",
    "budget.set_budget": "edit_initiative",
    "budget.record_spending": "edit_initiative",
    "budget.withdraw_spending": "edit_initiative",
    "updates.edit": "update_author",
    # the Sekda's office
    "review.summary": "summary",
    "review.reviews": "summary",
    "review.review_detail": "summary",
    "review.summary_xlsx": "summary",
    "review.review_xlsx": "summary",
    "review.summary_pdf": "summary",
    "review.review_pdf": "summary",
    # an OPD's quarterly report (can_read_unit_report): reviewers and admins any unit, a manager
    # their own (without ?unit=, their own; a reviewer without one gets a 400 "choose an OPD")
    "reports.quarterly": "summary",
    "reports.quarterly_xlsx": "summary",
    "review.review_start": "reviewer",
    "review.review_decide": "reviewer",
    "outcomes.verify_measurement": "reviewer",
    "outcomes.return_measurement": "reviewer",
    # administration
    "admin.users": "admin",
    "admin.user_new": "admin",
    "admin.user_edit": "admin",
    "admin.user_sign_out": "admin",  # "sign out everywhere"
    "admin.identity": "admin",  # how people sign in, and the LDAP connection test
    "admin.identity_ldap_test": "admin",
    "admin.user_reset_second_factor": "admin",  # a lost phone: remove their second factor
    "admin.units": "admin",
    "admin.unit_new": "admin",
    "admin.unit_edit": "admin",
    "admin.stages": "admin",
    "admin.stage_new": "admin",
    "admin.stage_edit": "admin",
    "admin.stage_action": "admin",
    "admin.tags": "admin",
    "admin.tag_form": "admin",
    "admin.tag_delete": "admin",
    "outbox.index": "admin",
    "outbox.detail": "admin",
    "outbox.resend_message": "admin",
    # webhooks (issue 15): admins only (permissions.can_manage_webhooks)
    "webhooks.index": "admin",
    "webhooks.new": "admin",
    "webhooks.detail": "admin",
    "webhooks.rotate": "admin",
    "webhooks.enable": "admin",
    "webhooks.disable": "admin",
    "webhooks.delete": "admin",
    "webhooks.ping": "admin",
    "webhooks.send_again": "admin",
    # the API (issue 15): a bearer token of each person (anonymous: none, 401); its document
    # and reference are public
    "api-docs.openapi_json": "public",
    "api-docs.openapi_redoc": "public",
    "api_initiatives.list_initiatives": "signed_in",
    "api_initiatives.get_initiative": "signed_in",
    "api_initiatives.create_initiative": "create",
    "api_initiatives.update_initiative": "edit_initiative",
    "api_initiatives.move": "edit_initiative",
    "api_initiatives.archive": "manage_initiative",
    "api_initiatives.unarchive": "manage_initiative",
    "api_initiative_parts.list_milestones": "signed_in",
    "api_initiative_parts.add_milestone": "edit_initiative",
    "api_initiative_parts.update_milestone": "edit_initiative",
    "api_initiative_parts.complete_milestone": "edit_initiative",
    "api_initiative_parts.reopen_milestone": "edit_initiative",
    "api_initiative_parts.list_comments": "signed_in",
    "api_initiative_parts.add_comment": "signed_in",
    "api_initiative_parts.list_updates": "signed_in",
    "api_initiative_parts.post_update": "edit_initiative",
    "api_outcomes.list_indicators": "signed_in",
    "api_outcomes.get_indicator": "signed_in",
    "api_outcomes.list_measurements": "signed_in",
    "api_outcomes.record_measurement": "edit_initiative",
    "api_outcomes.verify_measurement": "reviewer",
    "api_outcomes.return_measurement": "reviewer",
    "api_activity.city_activity": "signed_in",
    "api_activity.initiative_activity": "signed_in",
    "api_summary.summary": "summary",
    "api_reference.list_stages": "signed_in",
    "api_reference.list_dimensions": "signed_in",
    "api_reference.list_units": "signed_in",
    "api_reference.list_users": "signed_in",
    "api_reference.me": "signed_in",
    "api_reference.get_user": "signed_in",
}

# What each API write sends: a valid body, so that the permission decides (the initiative's
# ETag is added as If-Match to every write on it).
API_BODIES: dict[str, dict[str, object]] = {
    "api_initiatives.create_initiative": {"title": "Lewat API", "benefit": "Manfaat",
                                          "dimension": "governance"},
    "api_initiatives.update_initiative": {"title": "Diubah lewat API"},
    "api_initiatives.move": {"stage": "proposed", "after": None},  # the same cell, to the top
    "api_initiative_parts.add_milestone": {"title": "Uji", "due_date": "2027-02-01"},
    "api_initiative_parts.update_milestone": {"title": "Uji ulang"},
    "api_initiative_parts.add_comment": {"body": "Dari API"},
    "api_initiative_parts.post_update": {"health": "on_track", "moved": "Berjalan."},
    "api_outcomes.record_measurement": {"value": 4, "measured_on": "2026-11-02"},
    "api_outcomes.return_measurement": {"reason": "Datanya belum lengkap."},
}


_counter = itertools.count(1)


@dataclass
class World:
    people: dict[str, User | None]
    params: dict[str, object]
    tokens: dict[tuple[str, str], str] = field(default_factory=dict)

    def token(self, person: str, scope: str = TokenScope.WRITE) -> str:
        """A bearer token of ``person`` (made once per world and scope)."""
        if (person, scope) not in self.tokens:
            _token, secret = issue_token(self.people[person], f"{person} {scope}", scope, None)
            db.session.commit()
            self.tokens[person, scope] = secret
        return self.tokens[person, scope]


def build_world(make_initiative) -> World:
    n = next(_counter)
    unit = Unit(code=f"OWN{n}", name=f"Dinas Pemilik {n}")
    other_unit = Unit(code=f"OTH{n}", name=f"Dinas Lain {n}")
    db.session.add_all([unit, other_unit])
    people: dict[str, User | None] = {"anonymous": None}
    for role, person_unit, key in (("staff", unit, "staff"), ("staff", other_unit, "other_staff"),
                                   ("manager", unit, "manager"), ("reviewer", None, "reviewer"),
                                   ("admin", None, "admin"), ("staff", other_unit, "team_member"),
                                   ("manager", other_unit, "team_manager")):
        people[key] = User(email=f"{key}{n}@example.go.id", name=f"{key} {n}", role=role,
                           unit=person_unit, password_hash=CHEAP_HASH, locale="en")
        db.session.add(people[key])
    db.session.commit()
    staff = people["staff"]
    staff.calendar_token = f"cal-token-{n}-{'x' * 20}"
    initiative = make_initiative(unit=unit)
    initiative.members = [people["team_member"], people["team_manager"]]
    milestone = Milestone(initiative=initiative, title="Survey", due_date=date(2027, 1, 15))
    indicator = Indicator(initiative=initiative, name="Warga terlayani", unit_of_measure="orang")
    evidence = Evidence(stored_name=f"missing-{n}.pdf", original_name="bukti.pdf",
                        content_type="application/pdf", size=3, sha256="0" * 64,
                        uploaded_by=staff)
    measurement = Measurement(indicator=indicator, value=3, measured_on=date(2026, 11, 1),
                              evidence=evidence, recorded_by_id=None)
    comment = Comment(initiative=initiative, author=staff, body="Bagus")
    update = ProgressUpdate(initiative=initiative, author=staff, health="on_track",
                            moved="Uji coba berjalan.")
    tag = Tag(kind="sdg", code=f"T{n}", name="Tag")
    spending = Spending(initiative=initiative, spent_on=date(2026, 11, 2), amount=1_500_000,
                        evidence=evidence, recorded_by=staff)
    db.session.add_all([milestone, indicator, evidence, measurement, comment, update, tag,
                        spending])
    db.session.flush()
    notification = Notification(user=staff, kind="mention", initiative=initiative, comment=comment)
    message = OutboxMessage(kind="test", dedupe_key=f"route-test:{n}", to_address=staff.email,
                            to_user_id=staff.id, subject="s", text_body="t", html_body="<p>t</p>",
                            headers={}, status="failed", attempts=8, last_error="x")
    saved_view = SavedView(user_id=staff.id, name="Antrean", query="unit=all")
    access_token, _secret = issue_token(staff, "route test", TokenScope.WRITE, None)
    # An endpoint on a documentation address (never reached: its ping fails at once) and a
    # failed delivery to send again.
    endpoint = WebhookEndpoint(url=f"https://192.0.2.{n % 250 + 1}/hook", description="",
                               secret="whsec_" + "A" * 43 + "=", event_types=["comment.added"],
                               owner=people["admin"])
    delivery = WebhookDelivery(endpoint=endpoint, event_id=f"msg_route{n}",
                               event_type="comment.added", payload="{}", status="failed",
                               attempts=3, last_error="HTTP 500")
    db.session.add_all([notification, message, saved_view, endpoint, delivery])
    review = start_review(people["admin"], preset("month", date(2026, 11, 27)))
    db.session.commit()
    params = {
        "initiative_id": initiative.id, "milestone_id": milestone.id, "indicator_id": indicator.id,
        "measurement_id": measurement.id, "comment_id": comment.id, "evidence_id": evidence.id,
        "update_id": update.id, "spending_id": spending.id,
        "review_id": review.id, "tag_id": tag.id, "notification_id": notification.id,
        "message_id": message.id, "view_id": saved_view.id, "token_id": access_token.id,
        "endpoint_id": endpoint.id, "delivery_id": delivery.id,
        "user_id": people["other_staff"].id, "unit_id": other_unit.id,
        "stage_id": initiative.stage_id, "action": "retire",
        "dimension": initiative.dimension.code, "lane": initiative.dimension.code,
        "stage": initiative.stage.code,
        "calendar_token": staff.calendar_token,
        "version": initiative.version,
        "reset_token": reset_token(staff),
        "unsubscribe_token": unsubscribe_token(staff, "digest"),
        "secret": "not-the-webhook-secret-0123456789",
    }
    return World(people, params)


def url_values(endpoint: str, rule, world: World) -> dict[str, object]:
    values = {}
    for name in rule.arguments:
        if name == "token":
            key = {"auth.reset_password": "reset_token",
                   "preferences.unsubscribe": "unsubscribe_token"}.get(endpoint, "calendar_token")
            values[name] = world.params[key]
        else:
            values[name] = world.params[name]
    return values


def post_data(endpoint: str, world: World) -> dict[str, object]:
    """An empty body, except where the view validates the form before the permission: there a
    valid body makes the permission decide."""
    if endpoint == "board.move":  # the same cell, to the top: only can_edit decides
        return {"stage": world.params["stage"], "after": "top", "version": world.params["version"]}
    if endpoint == "board.fold":
        return {"fold": "1"}
    if endpoint == "board.density":
        return {"density": "compact"}
    if endpoint in API_BODIES:
        return dict(API_BODIES[endpoint])
    return {}


def visit(app, world: World, person: str, method: str, path: str, data=None,
          scope: str = TokenScope.WRITE):
    client = app.test_client()
    user = world.people[person]
    if path.startswith("/api/"):  # bearer tokens only; anonymous sends none
        headers = {"Accept-Language": "en"}
        if user is not None:
            headers["Authorization"] = f"Bearer {world.token(person, scope)}"
        if method != "GET":
            headers["If-Match"] = f'"{world.params["version"]}"'
        return client.open(path, method=method, headers=headers,
                           json=data if method != "GET" else None)
    if user is not None:
        with client.session_transaction() as session:
            session["_user_id"] = user.get_sign_in_id()  # what signing in stores
            session["_fresh"] = True
    return client.open(path, method=method, data=(data or {}) if method == "POST" else None)


def verdict(rule: str, person: str, response) -> str | None:
    """None when ``response`` is what ``rule`` expects for ``person``, else a description."""
    status = response.status_code
    if person in ALLOWED[rule]:
        if status in (401, 403) or status >= 500:
            return f"expected allowed, got {status}"
        return None
    if person == "anonymous":
        if status in (302, 303) and "/auth/login" in (response.location or ""):
            return None
        if status in (401, 404):
            return None
        return f"expected a redirect to the login page, got {status} {response.location}"
    expected = 404 if rule in ("owner_only", "token_owner") else 403
    if status != expected:
        return f"expected {expected}, got {status}"
    return None


def rules_and_methods(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint, r.rule)):
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def test_every_endpoint_has_a_permission_decision(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules()} - {"static"}
    missing = sorted(endpoints - RULES.keys())
    assert not missing, "routes without an explicit permission decision in RULES: " + ", ".join(missing)
    stale = sorted(RULES.keys() - endpoints)
    assert not stale, "RULES names endpoints that no longer exist: " + ", ".join(stale)
    assert set(RULES.values()) <= ALLOWED.keys()


def test_every_route_as_every_person(app, make_initiative):
    problems = []
    shared = build_world(make_initiative)
    visits = 0
    for rule, method in rules_and_methods(app):
        endpoint_rule = RULES.get(rule.endpoint)
        if endpoint_rule is None:
            problems.append(f"{rule.endpoint}: no rule")
            continue
        for person in PEOPLE:
            # Refused requests change nothing, so they may share; allowed POSTs may delete.
            allowed = person in ALLOWED[endpoint_rule]
            world = build_world(make_initiative) if method != "GET" and allowed else shared
            path = app.url_map.bind("localhost").build(
                rule.endpoint, url_values(rule.endpoint, rule, world), method=method)
            response = visit(app, world, person, method, path,
                             post_data(rule.endpoint, world))
            visits += 1
            problem = verdict(endpoint_rule, person, response)
            if problem:
                problems.append(f"{method} {path} ({rule.endpoint}, {endpoint_rule}) as {person}: "
                                f"{problem}")
    assert visits > 400
    assert not problems, "\n".join(problems)


def test_a_read_only_token_is_refused_on_every_api_write(app, make_initiative):
    """A read-only token reads; on every write, even an admin's is refused (403, problem+json)
    and nothing is written."""
    from quickwin_tracker.models import Activity

    world = build_world(make_initiative)
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Activity))
    writes = 0
    for rule, method in rules_and_methods(app):
        if not rule.rule.startswith("/api/") or method == "GET" or rule.endpoint.startswith(
                "api-docs"):
            continue
        path = app.url_map.bind("localhost").build(
            rule.endpoint, url_values(rule.endpoint, rule, world), method=method)
        response = visit(app, world, "admin", method, path, post_data(rule.endpoint, world),
                         scope=TokenScope.READ)
        assert response.status_code == 403, (method, path, response.status_code)
        assert response.mimetype == "application/problem+json"
        writes += 1
        read = visit(app, world, "admin", "GET", "/api/v1/users/me", scope=TokenScope.READ)
        assert read.status_code == 200
    assert writes == 14
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Activity)) == before


def test_digest_preview_of_someone_else_is_admin_only(app, make_initiative):
    world = build_world(make_initiative)
    other = world.people["other_staff"].id
    for person in PEOPLE[1:]:
        response = visit(app, world, person, "GET", f"/digests/preview?user={other}")
        expected_ok = person in ("admin", "other_staff")
        assert (response.status_code == 200) == expected_ok, (person, response.status_code)
        if not expected_ok:
            assert response.status_code == 403


@pytest.mark.parametrize("endpoint", ["outcomes.correct_measurement",
                                      "outcomes.withdraw_measurement"])
def test_a_verified_measurement_is_amended_by_reviewers_and_admins(app, make_initiative, endpoint):
    """Once verified, a measurement is the city's figure: its unit no longer corrects or
    withdraws it (permissions.can_amend_measurement)."""
    for person in PEOPLE:
        world = build_world(make_initiative)  # each gets a fresh one: an allowed POST changes it
        measurement = db.session.get(Measurement, world.params["measurement_id"])
        measurement.status = "verified"
        db.session.commit()
        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
        path = app.url_map.bind("localhost").build(endpoint, url_values(endpoint, rule, world),
                                                   method="POST")
        response = visit(app, world, person, "POST", path)
        assert verdict("reviewer", person, response) is None, (person, response.status_code)


@pytest.fixture
def app_config():
    return {"PROPAGATE_EXCEPTIONS": False}
