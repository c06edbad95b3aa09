"""Issue 15 item 1: the OpenAPI 3.1 document is valid, the reference renders it from vendored
Redoc under the app's CSP, and schemathesis finds no 5xx and no answer that breaks the document."""

from __future__ import annotations

from datetime import date

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from openapi_spec_validator.validation import OpenAPIV31SpecValidator
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from quickwin_tracker.extensions import db
from quickwin_tracker.models import Comment, Indicator, Measurement, Milestone, ProgressUpdate
from quickwin_tracker.web.security import CONTENT_SECURITY_POLICY
from tests.api.conftest import bearer


def test_the_document_is_valid_openapi_3_1(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"] == "3.1.0"
    validate(document, cls=OpenAPIV31SpecValidator)
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    paths = document["paths"]
    for path in ("/api/v1/initiatives", "/api/v1/initiatives/{initiative_id}/move",
                 "/api/v1/initiatives/{initiative_id}/indicators/{indicator_id}/measurements",
                 "/api/v1/summary", "/api/v1/stages", "/api/v1/users/{user_id}"):
        assert path in paths, path
    # Errors are described as problem+json; the edit and the move require If-Match.
    assert "application/problem+json" in document["components"]["responses"]["DEFAULT_ERROR"][
        "content"]
    move = paths["/api/v1/initiatives/{initiative_id}/move"]["post"]
    assert {"name": "If-Match", "in": "header"}.items() <= next(
        p for p in move["parameters"] if p["name"] == "If-Match").items()


def test_the_reference_page_uses_the_vendored_redoc_under_a_csp_for_that_page_only(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'src="/static/vendor/redoc-2.5.4.standalone.js"' in html
    assert 'spec-url="/api/v1/openapi.json"' in html
    assert "<script>" not in html  # no inline script: script-src 'self' holds
    policy = page.headers["Content-Security-Policy"]
    assert policy.startswith(CONTENT_SECURITY_POLICY) and "worker-src 'self' blob:" in policy
    assert "script-src 'self';" in policy and "cdn" not in html.lower()
    assert client.get("/static/vendor/redoc-2.5.4.standalone.js").status_code == 200
    # Everywhere else, the policy is the app's own.
    assert client.get("/auth/login").headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


# --------------------------------------------------------------------------- schemathesis


@pytest.fixture
def world(team, make_initiative, make_token):
    """A small city: an initiative of the team's unit with a milestone, an indicator with a
    submitted measurement, a comment and an update; an admin's read-write token."""
    initiative = make_initiative(unit=team.unit, owner=team.staff)
    milestone = Milestone(initiative=initiative, title="Survei", due_date=date(2027, 1, 15))
    indicator = Indicator(initiative=initiative, name="Warga", unit_of_measure="orang",
                          baseline=0, target=100)
    db.session.add_all([milestone, indicator,
                        Comment(initiative=initiative, author=team.staff, body="Bagus"),
                        ProgressUpdate(initiative=initiative, author=team.staff,
                                       health="on_track", moved="Uji coba.")])
    db.session.flush()
    measurement = Measurement(indicator=indicator, value=3, measured_on=date(2026, 11, 1),
                              recorded_by=team.staff)
    db.session.add(measurement)
    db.session.commit()
    return {"ids": {"initiative_id": initiative.id, "milestone_id": milestone.id,
                    "indicator_id": indicator.id, "measurement_id": measurement.id,
                    "user_id": team.staff.id},
            "secret": make_token(team.admin)}


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]
EXAMPLES = 6  # per operation: the whole run stays well under a minute per database


def test_the_api_keeps_its_document(app, world):
    """Generated requests for every operation, on the world's real objects (path ids replaced
    by the world's), as an admin with a read-write token: never a 5xx, never an answer the
    document does not allow (status, content type, headers, body)."""
    app.config["API_RATE_LIMIT"] = 100_000  # hundreds of requests a minute, on purpose
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 30
    seen: list[tuple[str, int]] = []

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case):
            for name in list(case.path_parameters or {}):
                case.path_parameters[name] = world["ids"][name]
            # (identity: the WSGI transport does not decode Flask-Compress's brotli or gzip)
            headers = bearer(world["secret"], **{"Accept-Encoding": "identity"})
            if case.headers and "If-Match" in case.headers and len(case.headers["If-Match"]) % 2:
                # Half the writes with the current ETag (they change something).
                current = app.test_client().get(
                    f"/api/v1/initiatives/{world['ids']['initiative_id']}", headers=headers)
                headers["If-Match"] = current.headers["ETag"]
            response = case.call_and_validate(headers=headers, checks=CHECKS)
            seen.append((case.operation.label, response.status_code))

        check()
    # Every operation was called, and many calls got past validation to do their work.
    assert {label for label, _status in seen} == {op.label for op in operations}
    assert sum(1 for _label, status in seen if status < 300) > len(operations)


def test_the_tokens_page_links_the_reference_and_its_topics(auth, team):
    page = auth.sign_in(team.staff).get("/tokens/").get_data(as_text=True)
    assert 'href="/api/v1/docs"' in page
    for section in ("Authentication", "Errors", "Pagination", "ETag-and-If-Match", "Examples"):
        assert f'href="/api/v1/docs#section/{section}"' in page
    # Each topic is a heading of the document's description, which Redoc makes that section.
    description = auth.client.get("/api/v1/openapi.json").get_json()["info"]["description"]
    for heading in ("Authentication", "Errors", "Pagination", "ETag and If-Match", "Examples"):
        assert f"\n# {heading}\n" in description
