"""Stored XSS: a hostile string in every user-editable text field is shown escaped on every page
that displays it (issue #6, Security)."""

from datetime import UTC, date, datetime

import pytest

from quickwin_tracker.domain.activity import record
from quickwin_tracker.extensions import db
from quickwin_tracker.models import (
    Comment,
    Indicator,
    Measurement,
    Milestone,
    Notification,
    OutboxMessage,
    ReviewDecision,
    Stage,
    Tag,
)
from quickwin_tracker.review.cycle import start_review
from quickwin_tracker.review.periods import preset

PAYLOAD = "<script>alert(1)</script>\"'><img src=x onerror=alert(1)>"
DANGEROUS = ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>")


@pytest.fixture
def hostile(make_unit, make_user, make_initiative):
    unit = make_unit("XSS", name="Dinas " + PAYLOAD)
    admin = make_user("admin", name="Admin " + PAYLOAD)
    staff = make_user("staff", unit, name="Staf " + PAYLOAD, email="staf@xss.example.go.id")
    tag = Tag(kind="sdg", code="1.1", name="Tag " + PAYLOAD)
    initiative = make_initiative(unit, stage="pilot", title="Judul " + PAYLOAD,
                                 benefit="Manfaat " + PAYLOAD, description="Deskripsi " + PAYLOAD,
                                 owner=staff, tags=[tag])
    rolled = make_initiative(unit, stage="rolled_out", title="Diluncurkan " + PAYLOAD,
                             benefit="Manfaat " + PAYLOAD)
    archived = make_initiative(unit, stage="approved", title="Arsip " + PAYLOAD, archived=True,
                               archived_at=datetime(2026, 11, 1, tzinfo=UTC))
    indicator = Indicator(initiative=initiative, name="Indikator " + PAYLOAD,
                          unit_of_measure="u" + PAYLOAD[:20], baseline=0, target=10)
    rolled_indicator = Indicator(initiative=rolled, name="Hasil " + PAYLOAD, baseline=0, target=10)
    comment = Comment(initiative=initiative, author=staff, body="Komentar " + PAYLOAD)
    db.session.add_all([
        tag, indicator, rolled_indicator, comment,
        Milestone(initiative=initiative, title="Tonggak " + PAYLOAD, due_date=date(2026, 1, 1)),
        Measurement(indicator=indicator, value=5, measured_on=date(2026, 11, 1),
                    note="Catatan " + PAYLOAD, link="https://example.org/?q=" + PAYLOAD[:30]),
        Measurement(indicator=rolled_indicator, value=8, measured_on=date(2026, 11, 1),
                    status="verified"),
    ])
    stage = db.session.get(Stage, initiative.stage_id)
    stage.name_id = stage.name_en = "Uji " + PAYLOAD[:60]
    db.session.flush()
    db.session.add(Notification(user=admin, kind="mention", initiative=initiative,
                                comment=comment, actor=staff))
    review = start_review(admin, preset("year", date(2026, 11, 27)), title="Evaluasi " + PAYLOAD)
    review.agenda = [*review.agenda, {"initiative_id": initiative.id, "title": "Agenda " + PAYLOAD,
                                      "unit": "XSS", "status": "at_risk", "reasons": [PAYLOAD],
                                      "why": ["at_risk"]}]
    db.session.add(ReviewDecision(review=review, initiative=initiative, decision="escalate",
                                  note="Catatan " + PAYLOAD))
    db.session.add(OutboxMessage(kind="test", dedupe_key="xss", to_address="a@example.org",
                                 subject="Subjek " + PAYLOAD, text_body="Isi " + PAYLOAD,
                                 html_body="<p>" + PAYLOAD + "</p>"))
    record(staff, "updated", initiative, changes={"title": [PAYLOAD, "Judul " + PAYLOAD]})
    db.session.commit()
    return {"admin": admin, "initiative": initiative, "archived": archived, "review": review,
            "tag": tag, "unit": unit}


def assert_escaped(html: str, url: str) -> None:
    for fragment in DANGEROUS:
        assert fragment not in html, f"{url} renders {fragment!r} unescaped"


@pytest.mark.parametrize("app_config", [{"PUBLIC_PAGE": True}])
def test_hostile_text_is_escaped_everywhere(hostile, auth, client, app_config):
    auth.login(hostile["admin"])
    i = hostile["initiative"]
    pages = [
        "/board/", f"/initiatives/{i.id}", f"/initiatives/{i.id}/edit", "/initiatives/archived",
        f"/initiatives/{hostile['archived'].id}", "/activity", "/notifications",
        "/summary?period=year", "/reviews", f"/reviews/{hostile['review'].id}",
        "/admin/users", "/admin/units", f"/admin/units/{hostile['unit'].id}", "/admin/stages",
        "/admin/tags", f"/admin/tags/{hostile['tag'].id}", "/admin/outbox",
        "/digests/preview", "/dampak", f"/board/cards/{i.id}/move", "/transfer/import",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert_escaped(response.get_data(as_text=True), url)
    # the outbox detail shows the stored HTML only inside a sandboxed iframe's srcdoc (escaped)
    from quickwin_tracker.models import OutboxMessage as Message

    message = db.session.scalars(db.select(Message)).first()
    detail = client.get(f"/admin/outbox/{message.id}")
    assert detail.status_code == 200
    html = detail.get_data(as_text=True)
    assert_escaped(html, "outbox detail")
    assert "sandbox" in html
