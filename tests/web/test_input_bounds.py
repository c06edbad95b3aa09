"""Issue #10, input bounds everywhere: ids beyond the database's integers, implausible and past
dates, and validation messages in the user's language."""

from __future__ import annotations

import inspect
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
import wtforms

import quickwin_tracker
from quickwin_tracker.domain.clock import local_today
from quickwin_tracker.extensions import db
from quickwin_tracker.models import Initiative, Milestone
from quickwin_tracker.web.forms import WTFORMS_MESSAGES, BaseForm, DateField
from quickwin_tracker.web.routing import digits_up_to

pytestmark = pytest.mark.usefixtures("team_in_english")

# --------------------------------------------------------------------------- ids


def _rules_with_ids(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        converters = {name: type(conv).__name__ for name, conv in rule._converters.items()}
        if any(kind == "IdConverter" for kind in converters.values()):
            yield rule, converters


def _path(rule, converters, huge: int) -> str:
    values = {}
    for name, kind in converters.items():
        values[name] = huge if kind == "IdConverter" else {"action": "retire", "token": "x" * 30,
                                                           "dimension": "governance",
                                                           "stage": "proposed"}.get(name, "x")
    path = rule.rule
    for name, value in values.items():
        path = re.sub(rf"<(?:[a-z]+:)?{name}>", str(value), path)
    return path


def _admin_headers(admin) -> dict[str, str]:
    """The API's routes take the admin's bearer token (the web's, the session cookie)."""
    from quickwin_tracker.extensions import db
    from quickwin_tracker.tokens.services import issue

    _token, secret = issue(admin, "bounds", "write", None)
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


@pytest.mark.parametrize("huge", [2**31, 2**63, 10**30])
def test_an_id_beyond_the_databases_integers_is_404_on_every_route(app, client, auth, make_user,
                                                                 huge):
    admin = make_user("admin")
    auth.login(admin)
    headers = _admin_headers(admin)
    rules = list(_rules_with_ids(app))
    assert len(rules) > 25  # every route with an id is here
    for rule, converters in rules:
        path = _path(rule, converters, huge)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method, headers=headers)
            assert response.status_code == 404, (method, path, response.status_code)


def test_the_largest_id_that_fits_is_an_ordinary_404(app, client, auth, make_user):
    """2**31 - 1 reaches the database (both backends store it) and finds nothing."""
    admin = make_user("admin")
    auth.login(admin)
    headers = _admin_headers(admin)
    for rule, converters in _rules_with_ids(app):
        path = _path(rule, converters, 2**31 - 1)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method, headers=headers)
            assert response.status_code in (400, 404, 422), (method, path, response.status_code)


@pytest.mark.parametrize("limit", [0, 7, 9, 10, 99, 100, 1234, 2**31 - 1])
def test_digits_up_to_matches_exactly_the_numbers_up_to_the_limit(limit):
    pattern = re.compile(digits_up_to(limit))
    samples = set(range(0, min(limit, 3000) + 50)) | {limit - 1, limit, limit + 1, limit * 10,
                                                      2**31, 2**31 - 1, 2**63}
    for n in samples:
        if n >= 0:
            assert bool(pattern.fullmatch(str(n))) == (n <= limit), (limit, n)


def test_query_arguments_with_ids_are_bounded_too(client, auth, make_user):
    auth.login(make_user("admin"))
    assert client.get(f"/digests/preview?user={2**63}").status_code == 404
    assert client.get(f"/board/?owner={2**63}").status_code == 400
    assert client.get(f"/activity?user={2**63}").status_code in (200, 400)


# --------------------------------------------------------------------------- forms


def _form_classes():
    package = Path(quickwin_tracker.__file__).parent
    import importlib
    import pkgutil

    for module in pkgutil.walk_packages([str(package)], "quickwin_tracker."):
        if module.name.endswith(("forms", "views")):
            importlib.import_module(module.name)
    seen, todo = set(), [wtforms.Form]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
    return [c for c in seen if c.__module__.startswith("quickwin_tracker.")]


def test_every_form_of_the_app_derives_from_base_form_and_uses_its_date_field(app):
    forms = [c for c in _form_classes() if c is not BaseForm]
    assert len(forms) > 15
    for cls in forms:
        assert issubclass(cls, BaseForm), f"{cls.__module__}.{cls.__name__} is not a BaseForm"
        for name, member in inspect.getmembers(cls):
            field_class = getattr(member, "field_class", None)
            if field_class is not None and issubclass(field_class, wtforms.DateField):
                assert issubclass(field_class, DateField), f"{cls.__name__}.{name}: plain DateField"


def test_wtforms_messages_are_all_in_our_catalogue():
    pot = Path(wtforms.__file__).parent / "locale" / "wtforms.pot"
    ids = set(re.findall(r'^msgid "(.+)"$', pot.read_text(), re.M))
    ours = {m if isinstance(m, str) else m[0] for m in WTFORMS_MESSAGES}
    assert ids == ours


def _new_initiative(team, dimensions, **overrides):
    data = {"title": "Antrean online", "benefit": "Tidak antre subuh.", "description": "",
            "dimension": str(dimensions["living"].id), "unit": str(team.unit.id),
            "owner": str(team.staff.id), "target_date": "2027-02-01"}
    data.update(overrides)
    return data


@pytest.mark.parametrize("value", ["2207-01-01", "1999-12-31", "0001-01-01"])
def test_an_implausible_date_is_refused_next_to_its_field(client, auth, team, dimensions, value):
    auth.login(team.staff)
    response = client.post("/initiatives/new", data=_new_initiative(team, dimensions,
                                                                    target_date=value))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Enter a date between Jan 1, 2000 and Dec 31, 2100." in page
    assert 'id="target_date-error"' in page
    assert not db.session.scalars(sa.select(Initiative)).all()


def test_the_date_window_follows_the_configuration(app, client, auth, team, dimensions):
    app.config.update(DATE_MIN_YEAR=2020, DATE_MAX_YEAR=2030)
    auth.login(team.staff)
    refused = client.post("/initiatives/new", data=_new_initiative(team, dimensions,
                                                                   target_date="2031-01-01"))
    assert refused.status_code == 422
    assert "Dec 31, 2030" in refused.get_data(as_text=True)
    assert client.post("/initiatives/new", data=_new_initiative(
        team, dimensions, target_date="2030-12-31")).status_code == 303


def test_every_date_field_refuses_an_implausible_date(app, team, make_initiative):
    """Each date field of every form, bound to 2207-01-01, fails with the window message."""
    from flask_babel import force_locale
    from werkzeug.datastructures import MultiDict

    with app.test_request_context(), force_locale("en"):
        for cls in _form_classes():
            if cls is BaseForm:
                continue
            fields = [name for name, member in inspect.getmembers(cls)
                      if getattr(member, "field_class", None) is DateField]
            for name in fields:
                form = cls(formdata=MultiDict({name: "2207-01-01"}), meta={"csrf": False})
                form[name].validate(form)
                assert any("between" in str(e) for e in form[name].errors), (cls.__name__, name)


def test_a_new_initiative_in_the_past_needs_a_confirmation(client, auth, team, dimensions):
    auth.login(team.staff)
    yesterday = (local_today() - timedelta(days=1)).isoformat()
    first = client.post("/initiatives/new", data=_new_initiative(team, dimensions,
                                                                 target_date=yesterday))
    assert first.status_code == 422
    page = first.get_data(as_text=True)
    assert "This date is in the past." in page
    assert 'name="target_date_confirm"' in page
    assert not db.session.scalars(sa.select(Initiative)).all()
    second = client.post("/initiatives/new", data=_new_initiative(
        team, dimensions, target_date=yesterday, target_date_confirm="y"))
    assert second.status_code == 303
    assert db.session.scalar(sa.select(Initiative.target_date)) == local_today() - timedelta(days=1)


def test_today_and_later_need_no_confirmation(client, auth, team, dimensions):
    auth.login(team.staff)
    page = client.get("/initiatives/new").get_data(as_text=True)
    assert 'name="target_date_confirm"' not in page
    assert client.post("/initiatives/new", data=_new_initiative(
        team, dimensions, target_date=local_today().isoformat())).status_code == 303


def test_a_new_milestone_in_the_past_needs_a_confirmation_an_old_one_does_not(
        client, auth, team, make_initiative, hx):
    initiative = make_initiative(team.unit)
    auth.login(team.staff)
    last_week = (local_today() - timedelta(days=7)).isoformat()
    data = {"new-title": "Sosialisasi", "new-due_date": last_week, "new-responsible": "0"}
    refused = client.post(f"/initiatives/{initiative.id}/milestones", data=data, headers=hx)
    assert refused.status_code == 422
    assert 'name="new-due_date_confirm"' in refused.get_data(as_text=True)
    assert not db.session.scalars(sa.select(Milestone)).all()
    data["new-due_date_confirm"] = "y"
    assert client.post(f"/initiatives/{initiative.id}/milestones", data=data,
                       headers=hx).status_code == 200
    milestone = db.session.scalar(sa.select(Milestone))
    assert milestone.due_date == date.fromisoformat(last_week)
    # Editing it later (it is overdue now) asks nothing more.
    edited = client.post(f"/initiatives/{initiative.id}/milestones/{milestone.id}/edit", headers=hx,
                         data={f"m{milestone.id}-title": "Sosialisasi warga",
                               f"m{milestone.id}-due_date": last_week,
                               f"m{milestone.id}-responsible": "0"})
    assert edited.status_code == 200


# --------------------------------------------------------------------------- language


def test_an_indonesian_page_shows_indonesian_validation_messages(client, auth, team, dimensions):
    team.staff.locale = "id"
    db.session.commit()
    auth.login(team.staff)
    response = client.post("/initiatives/new", data=_new_initiative(
        team, dimensions, title="", target_date="31/02/2027"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Isian ini wajib diisi." in page
    assert "Tanggal tidak sah." in page
    assert "This field is required." not in page and "Not a valid date value." not in page


def test_an_english_page_shows_english_validation_messages(client, auth, team, dimensions):
    auth.login(team.staff)  # locale "en"
    page = client.post("/initiatives/new", data=_new_initiative(
        team, dimensions, title="")).get_data(as_text=True)
    assert "This field is required." in page


def test_text_line_breaks_are_stored_as_typed_whatever_the_browser_sends(client, auth, team,
                                                                       dimensions):
    auth.login(team.staff)
    client.post("/initiatives/new", data=_new_initiative(
        team, dimensions, description="Satu\r\nDua\rTiga\nEmpat"))
    assert db.session.scalar(sa.select(Initiative.description)) == "Satu\nDua\nTiga\nEmpat"
