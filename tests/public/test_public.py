"""The public outcome page: off by default; when on, rolled-out quick wins with verified outcomes
and no internal field (people, comments, submitted measurements)."""

from datetime import date

import pytest

from quickwin_tracker.extensions import db
from quickwin_tracker.models import Comment, Indicator, Measurement


def test_off_by_default(client):
    assert client.get("/dampak").status_code == 404


@pytest.mark.parametrize("app_config", [{"PUBLIC_PAGE": True}])
def test_shows_rolled_out_outcomes_and_nothing_internal(app_config, client, make_unit, make_user,
                                                        make_initiative):
    unit = make_unit("DISDUKCAPIL", name="Dinas Kependudukan dan Pencatatan Sipil")
    owner = make_user("staff", unit, name="Rahasia Pegawai")
    done = make_initiative(unit, stage="rolled_out", title="Akta lahir jadi sehari",
                           benefit="Orang tua pulang membawa akta.", owner=owner,
                           description="Catatan internal rapat")
    hidden = make_initiative(unit, stage="pilot", title="Masih uji coba")
    ind = Indicator(initiative=done, name="Waktu terbit akta", unit_of_measure="hari",
                    baseline=14, target=1, direction="lower")
    db.session.add_all([
        ind,
        Measurement(indicator=ind, value=2, measured_on=date(2026, 10, 1), status="verified"),
        Measurement(indicator=ind, value=0.5, measured_on=date(2026, 11, 1), status="submitted"),
        Comment(initiative=done, author=owner, body="Komentar internal"),
    ])
    db.session.commit()
    response = client.get("/dampak")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Akta lahir jadi sehari" in html and "Orang tua pulang membawa akta." in html
    assert "Dinas Kependudukan dan Pencatatan Sipil" in html
    assert "Waktu terbit akta" in html and "92%" in html  # (14-2)/(14-1): verified only
    for secret in ("Rahasia Pegawai", "Catatan internal rapat", "Komentar internal", "0.5",
                   "Masih uji coba", hidden.title):
        assert secret not in html


@pytest.mark.parametrize("app_config", [{"PUBLIC_PAGE": True}])
@pytest.mark.parametrize(("language", "figures"), [
    ("id", ("3.000 warga", "20,5 warga", "2.560,4 warga", "85%")),
    ("en", ("3,000 warga", "20.5 warga", "2,560.4 warga", "85%")),
])
def test_numbers_in_the_visitors_language(app_config, client, make_unit, make_initiative,
                                          language, figures):
    """Indonesian by default ("3.000", "20,5"), English when asked ("3,000", "20.5")."""
    unit = make_unit("DISDUKCAPIL")
    done = make_initiative(unit, stage="rolled_out", title="Antrean daring")
    ind = Indicator(initiative=done, name="Warga terlayani", unit_of_measure="warga",
                    baseline=20.5, target=3000, direction="higher")
    db.session.add_all([ind, Measurement(indicator=ind, value=2560.43, measured_on=date(2026, 10, 1),
                                         status="verified")])
    db.session.commit()
    if language == "en":
        client.post("/language", data={"locale": "en", "next": "/dampak"})
    html = client.get("/dampak").get_data(as_text=True)
    for figure in figures:
        assert figure in html
    assert 'value="85"' in html  # (the meter's value stays a plain number)
