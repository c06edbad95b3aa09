"""Open data (issue 15): the public page's data as CSV files and a DCAT catalogue (JSON-LD) that
a CKAN portal harvests: exactly what the page shows, with licence and update date; all 404 while
the page is off."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from pyld import jsonld

from quickwin_tracker import create_app
from quickwin_tracker.config import ConfigError
from quickwin_tracker.extensions import db
from quickwin_tracker.initiatives.services import archive_initiative
from quickwin_tracker.models import Comment, Indicator, Initiative, Measurement
from quickwin_tracker.outcomes.services import verify_measurement
from quickwin_tracker.public.opendata import number, tag

ON = {"PUBLIC_PAGE": True, "OPEN_DATA_CONTACT_EMAIL": "smartcity@balikpapan.go.id",
      "BASE_URL": "https://quickwin.balikpapan.go.id"}
DATA_URLS = ("/dampak/data/quick-wins.csv", "/dampak/data/outcomes.csv", "/dampak/catalog.jsonld")

DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
VCARD = "http://www.w3.org/2006/vcard/ns#"
CC_BY = "https://creativecommons.org/licenses/by/4.0/"


def read_csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    text = response.get_data().decode("utf-8")
    assert not text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.fixture
def city(make_unit, make_user, make_initiative, stages):
    """Two rolled-out quick wins (one measured, one not yet), and what the page must hide: a
    pilot, an archived rolled-out one, a submitted measurement, a returned one, a comment and
    the people involved."""
    unit = make_unit("DISDUKCAPIL", name="Dinas Kependudukan dan Pencatatan Sipil")
    owner = make_user("staff", unit, name="Rahasia Pegawai")
    akta = make_initiative(unit, stage="rolled_out", dimension="governance",
                           title="Akta lahir jadi sehari", benefit="Orang tua pulang membawa akta.",
                           owner=owner, description="Catatan internal rapat",
                           stage_entered_at=datetime(2026, 9, 14, 20, 0, tzinfo=UTC))
    antrean = make_initiative(unit, stage="rolled_out", dimension="society",
                              title="Antrean daring, \"tanpa\" berdiri",
                              benefit="Warga menunggu di rumah;\nlalu datang.",
                              stage_entered_at=datetime(2026, 10, 2, 1, 0, tzinfo=UTC))
    pilot = make_initiative(unit, stage="pilot", title="Masih uji coba")
    archived = make_initiative(unit, stage="rolled_out", title="Sudah diarsipkan", archived=True,
                               stage_entered_at=datetime(2026, 11, 1, tzinfo=UTC))
    days = Indicator(initiative=akta, name="Waktu terbit akta", unit_of_measure="hari",
                     baseline=14, target=1, direction="lower", position=0)
    served = Indicator(initiative=akta, name="Warga terlayani", unit_of_measure="warga",
                       baseline=20.5, target=3000, direction="higher", position=1)
    waiting = Indicator(initiative=antrean, name="Lama antre", unit_of_measure="menit",
                        baseline=90, target=15, direction="lower")
    hidden = Indicator(initiative=pilot, name="Indikator rahasia", unit_of_measure="x",
                       baseline=1, target=2)
    db.session.add_all([
        days, served, waiting, hidden,
        Measurement(indicator=days, value=3, measured_on=date(2026, 9, 1), status="verified"),
        Measurement(indicator=days, value=2, measured_on=date(2026, 10, 1), status="verified"),
        Measurement(indicator=days, value=0.625, measured_on=date(2026, 11, 1), status="submitted"),
        Measurement(indicator=served, value=2560.43, measured_on=date(2026, 10, 15),
                    status="verified"),
        Measurement(indicator=served, value=2999.75, measured_on=date(2026, 11, 2),
                    status="returned"),
        Measurement(indicator=hidden, value=7.25, measured_on=date(2026, 10, 1), status="verified"),
        Comment(initiative=akta, author=owner, body="Komentar internal"),
    ])
    db.session.commit()
    return {"akta": akta, "antrean": antrean, "pilot": pilot, "archived": archived,
            "days": days, "served": served, "waiting": waiting}


@pytest.mark.parametrize("app_config", [{}])
@pytest.mark.parametrize("url", DATA_URLS)
def test_off_with_the_public_page(app_config, client, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("app_config", [ON])
def test_quick_wins_csv_is_what_the_page_shows(app_config, client, city):
    response = client.get("/dampak/data/quick-wins.csv")
    rows = read_csv(response)
    akta, antrean = city["akta"], city["antrean"]
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="quick-wins-rolled-out.csv"'
    assert list(rows[0]) == ["id", "title", "benefit", "unit_code", "unit_name", "dimension_code",
                             "dimension_name_id", "dimension_name_en", "rolled_out_on",
                             "outcome_progress_percent", "indicator_count", "page_url"]
    # Latest rollout first, as on the page; dates in the city's zone (Asia/Makassar, UTC+8).
    assert rows == [
        {"id": str(antrean.id), "title": 'Antrean daring, "tanpa" berdiri',
         "benefit": "Warga menunggu di rumah;\nlalu datang.", "unit_code": "DISDUKCAPIL",
         "unit_name": "Dinas Kependudukan dan Pencatatan Sipil", "dimension_code": "society",
         "dimension_name_id": antrean.dimension.name_id,
         "dimension_name_en": antrean.dimension.name_en, "rolled_out_on": "2026-10-02",
         "outcome_progress_percent": "", "indicator_count": "1",
         "page_url": f"https://quickwin.balikpapan.go.id/dampak#qw-{antrean.id}"},
        {"id": str(akta.id), "title": "Akta lahir jadi sehari",
         "benefit": "Orang tua pulang membawa akta.", "unit_code": "DISDUKCAPIL",
         "unit_name": "Dinas Kependudukan dan Pencatatan Sipil", "dimension_code": "governance",
         "dimension_name_id": akta.dimension.name_id, "dimension_name_en": akta.dimension.name_en,
         # 20:00 UTC on 14 September is 04:00 on the 15th in Balikpapan
         "rolled_out_on": "2026-09-15",
         # mean of (14-2)/(14-1) = 92.31 % and (2560.43-20.5)/(3000-20.5) = 85.25 %
         "outcome_progress_percent": "88.8", "indicator_count": "2",
         "page_url": f"https://quickwin.balikpapan.go.id/dampak#qw-{akta.id}"},
    ]
    # Each row is a section of the page, in the same order, saying the same things.
    page = html.unescape(client.get("/dampak").get_data(as_text=True))
    sections = re.findall(r'<section class="public-item[^"]*" aria-labelledby="qw-(\d+)">(.*?)'
                          r'</section>', page, re.S)
    assert [number for number, _ in sections] == [row["id"] for row in rows]
    outcomes = read_csv(client.get("/dampak/data/outcomes.csv"))
    for row, (_, section) in zip(rows, sections, strict=True):
        for column in ("title", "benefit", "unit_name", "dimension_name_id"):
            assert row[column] in section, (column, row[column])
        names = [o["indicator_name"] for o in outcomes if o["quick_win_id"] == row["id"]]
        assert re.findall(r'<th scope="row">(.*?)</th>', section) == names
        assert int(row["indicator_count"]) == len(names)


@pytest.mark.parametrize("app_config", [ON])
def test_outcomes_csv_holds_verified_values_only(app_config, client, city):
    response = client.get("/dampak/data/outcomes.csv")
    rows = read_csv(response)
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="quick-win-outcomes.csv"'
    akta, antrean = city["akta"].id, city["antrean"].id
    assert rows == [
        {"quick_win_id": str(antrean), "indicator_id": str(city["waiting"].id),
         "indicator_name": "Lama antre", "unit_of_measure": "menit", "baseline": "90",
         "target": "15", "latest_value": "", "latest_measured_on": "", "progress_percent": ""},
        {"quick_win_id": str(akta), "indicator_id": str(city["days"].id),
         "indicator_name": "Waktu terbit akta", "unit_of_measure": "hari", "baseline": "14",
         "target": "1", "latest_value": "2", "latest_measured_on": "2026-10-01",
         "progress_percent": "92.3"},
        {"quick_win_id": str(akta), "indicator_id": str(city["served"].id),
         "indicator_name": "Warga terlayani", "unit_of_measure": "warga", "baseline": "20.5",
         "target": "3000", "latest_value": "2560.43", "latest_measured_on": "2026-10-15",
         "progress_percent": "85.2"},
    ]


@pytest.mark.parametrize("app_config", [ON])
def test_nothing_internal_in_any_file(app_config, client, city):
    """The pilot, the archived quick win, unverified values, people, comments, descriptions."""
    for url in DATA_URLS:
        body = client.get(url).get_data(as_text=True)
        for secret in ("Masih uji coba", "Sudah diarsipkan", "Indikator rahasia", "0.625", "2999.75",
                       "7.25", "Rahasia Pegawai", "Catatan internal rapat", "Komentar internal",
                       "@example.go.id"):
            assert secret not in body, (url, secret)


@pytest.mark.parametrize("app_config", [ON])
def test_the_files_do_not_depend_on_the_visitors_language(app_config, client, city):
    indonesian = [client.get(url).get_data() for url in DATA_URLS]
    client.post("/language", data={"locale": "en", "next": "/dampak"})
    assert [client.get(url).get_data() for url in DATA_URLS] == indonesian


def _expanded(client) -> tuple[dict, list[dict]]:
    response = client.get("/dampak/catalog.jsonld")
    assert response.status_code == 200
    assert response.mimetype == "application/ld+json"
    doc = response.get_json(force=True)
    assert isinstance(doc["@context"], dict)  # inline: expanding it fetches nothing
    graph = jsonld.expand(doc)
    (catalog,) = [node for node in graph if f"{DCAT}Catalog" in node.get("@type", [])]
    return catalog, catalog[f"{DCAT}dataset"]


def _texts(node: dict, key: str) -> dict[str, str]:
    return {value["@language"]: value["@value"] for value in node[key]}


def _ids(node: dict, key: str) -> list[str]:
    return [value["@id"] for value in node[key]]


@pytest.mark.parametrize("app_config", [ON])
def test_catalogue_lists_each_dataset_with_licence_and_date(app_config, client, city):
    catalog, datasets = _expanded(client)
    base = "https://quickwin.balikpapan.go.id"
    assert catalog["@id"] == f"{base}/dampak/catalog.jsonld"
    assert set(_texts(catalog, f"{DCT}title")) == {"id", "en"}
    assert _ids(catalog, f"{DCT}license") == [CC_BY]
    assert _ids(catalog, f"{FOAF}homepage") == [f"{base}/dampak"]
    (publisher,) = catalog[f"{DCT}publisher"]
    assert publisher["@type"] == [f"{FOAF}Organization"]
    assert publisher[f"{FOAF}name"] == [{"@value": "Pemerintah Kota Balikpapan"}]
    # The data last changed when the newest of the two was rolled out (no trail in the fixture).
    assert catalog[f"{DCT}modified"][0]["@value"] == "2026-10-02T01:00:00Z"
    assert {d["@id"] for d in datasets} == {f"{base}/dampak/catalog.jsonld#quick-wins",
                                           f"{base}/dampak/catalog.jsonld#outcomes"}
    for dataset in datasets:
        assert dataset["@type"] == [f"{DCAT}Dataset"]
        assert dataset[f"{DCT}identifier"] == [{"@value": dataset["@id"]}]
        assert set(_texts(dataset, f"{DCT}title")) == {"id", "en"}
        assert set(_texts(dataset, f"{DCT}description")) == {"id", "en"}
        assert _ids(dataset, f"{DCT}license") == [CC_BY]
        assert dataset[f"{DCT}modified"][0]["@value"] == "2026-10-02T01:00:00Z"
        assert dataset[f"{DCT}issued"][0]["@value"] == "2026-09-14T20:00:00Z"
        keywords = [k["@value"] for k in dataset[f"{DCAT}keyword"]]
        assert {tag(city["akta"].dimension.name_id), city["akta"].dimension.name_en,
                city["antrean"].dimension.name_en, "smart city", "quick win"} <= set(keywords)
        assert len(keywords) == len({k.casefold() for k in keywords})
        # CKAN's tag rule, or the harvested dataset is refused
        assert all(re.fullmatch(r"[\w\-. ]{2,100}", k) for k in keywords), keywords
        (contact,) = dataset[f"{DCAT}contactPoint"]
        assert _ids(contact, f"{VCARD}hasEmail") == ["mailto:smartcity@balikpapan.go.id"]
        (distribution,) = dataset[f"{DCAT}distribution"]
        assert distribution["@type"] == [f"{DCAT}Distribution"]
        assert distribution[f"{DCAT}mediaType"] == [{"@value": "text/csv"}]
        assert distribution[f"{DCT}format"] == [{"@value": "CSV"}]
        assert _ids(distribution, f"{DCT}license") == [CC_BY]
        (download,) = _ids(distribution, f"{DCAT}downloadURL")
        assert _ids(distribution, f"{DCAT}accessURL") == [download]
        assert download.startswith(f"{base}/dampak/data/")
        # Every download URL answers with a CSV file.
        response = client.get(download.removeprefix(base))
        assert read_csv(response)


@pytest.mark.parametrize("app_config", [{**ON, "OPEN_DATA_LICENSE":
                                         "https://creativecommons.org/publicdomain/zero/1.0/",
                                         "OPEN_DATA_PUBLISHER": "Diskominfo Balikpapan"}])
def test_licence_and_publisher_are_configured(app_config, client, city):
    catalog, datasets = _expanded(client)
    zero = "https://creativecommons.org/publicdomain/zero/1.0/"
    assert _ids(catalog, f"{DCT}license") == [zero]
    assert all(_ids(d, f"{DCT}license") == [zero] for d in datasets)
    assert catalog[f"{DCT}publisher"][0][f"{FOAF}name"] == [{"@value": "Diskominfo Balikpapan"}]
    page = client.get("/dampak").get_data(as_text=True)
    assert f'<a href="{zero}" rel="license">CC0 1.0</a>' in page


@pytest.mark.parametrize("app_config", [{"PUBLIC_PAGE": True}])
def test_an_empty_catalogue_still_expands(app_config, client):
    """Nothing rolled out yet: the datasets are listed (with a header-only CSV), undated."""
    catalog, datasets = _expanded(client)
    assert len(datasets) == 2 and f"{DCT}modified" not in catalog
    assert all(f"{DCAT}contactPoint" in d for d in datasets)
    for dataset in datasets:
        (distribution,) = dataset[f"{DCAT}distribution"]
        (download,) = _ids(distribution, f"{DCAT}downloadURL")
        assert read_csv(client.get(download)) == []


@pytest.mark.parametrize("app_config", [ON])
@pytest.mark.parametrize("url", DATA_URLS)
def test_conditional_get_and_headers(app_config, client, city, make_user, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" in response.headers
    assert response.last_modified == datetime(2026, 10, 2, 1, 0, tzinfo=UTC)
    etag = response.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(url, headers={
        "If-Modified-Since": response.headers["Last-Modified"]}).status_code == 304
    # A submitted measurement changes nothing; once verified, every file changes (a new ETag)
    # and so does its date.
    measurement = Measurement(indicator=city["waiting"], value=30, measured_on=date(2026, 11, 3))
    db.session.add(measurement)
    db.session.commit()
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    verify_measurement(make_user("reviewer"), measurement)
    db.session.commit()
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["ETag"] != etag
    assert again.last_modified > response.last_modified


@pytest.mark.parametrize("app_config", [ON])
def test_the_date_moves_when_a_quick_win_leaves_the_page(app_config, client, city):
    before = client.get("/dampak/catalog.jsonld").last_modified
    archive_initiative(city["akta"].owner, city["akta"])
    db.session.commit()
    response = client.get("/dampak/catalog.jsonld")
    assert response.last_modified > before
    rows = read_csv(client.get("/dampak/data/quick-wins.csv"))
    assert [r["id"] for r in rows] == [str(city["antrean"].id)]


@pytest.mark.parametrize("app_config", [ON])
@pytest.mark.parametrize(("language", "texts"), [
    ("id", ("Data terbuka", "Lisensi:")),
    ("en", ("Open data", "Licence:")),
])
def test_the_page_links_its_open_data(app_config, client, city, language, texts):
    if language == "en":
        client.post("/language", data={"locale": "en", "next": "/dampak"})
    html = client.get("/dampak").get_data(as_text=True)
    assert ('<link rel="alternate" type="application/ld+json" href="/dampak/catalog.jsonld"'
            in html)
    for text in texts:
        assert text in html
    for url in DATA_URLS:
        assert f'href="{url}"' in html
    assert f'<a href="{CC_BY}" rel="license">CC BY 4.0</a>' in html
    title = "Quick wins rolled out" if language == "en" else "Quick win yang sudah diluncurkan"
    assert f"{title} (CSV)" in html


@pytest.mark.parametrize(("value", "text"), [
    (None, ""), (14.0, "14"), (2560.43, "2560.43"), (0.1 + 0.2, "0.30000000000000004"),
    (1e-7, "0.0000001"), (3e20, "300000000000000000000"), (-2.5, "-2.5"),
])
def test_numbers_are_machine_readable(value, text):
    assert number(value) == text


@pytest.mark.parametrize(("text", "expected"), [
    ("Smart Governance (Tata Kelola)", "Smart Governance Tata Kelola"),
    ("Ekonomi & Pariwisata", "Ekonomi Pariwisata"), ("smart-city_v1.0", "smart-city_v1.0"),
    ("Lingkungan/Alam", "Lingkungan Alam"), ("x" * 120, "x" * 100),
])
def test_keywords_are_valid_ckan_tags(text, expected):
    assert tag(text) == expected


def _grow(make_initiative, units, n: int) -> None:
    for k in range(n):
        initiative = make_initiative(units[k % len(units)], stage="rolled_out",
                                     dimension=("governance", "society", "economy")[k % 3])
        indicator = Indicator(initiative=initiative, name=f"Indikator {k}", baseline=0,
                              target=10)
        db.session.add_all([indicator,
                            Measurement(indicator=indicator, value=k % 10,
                                        measured_on=date(2026, 10, 1), status="verified"),
                            Measurement(indicator=indicator, value=1,
                                        measured_on=date(2026, 11, 1), status="submitted")])
    db.session.commit()


@pytest.mark.parametrize("app_config", [ON])
def test_query_counts_do_not_grow_with_the_city(app_config, client, make_unit, make_initiative,
                                               count_queries):
    units = [make_unit(), make_unit(), make_unit()]
    urls = ("/dampak", *DATA_URLS)

    def counts() -> dict[str, int]:
        found = {}
        for url in urls:
            client.get(url)  # warm
            with count_queries() as counter:
                assert client.get(url).status_code == 200
            found[url] = counter.count
        return found

    _grow(make_initiative, units, 3)
    small = counts()
    _grow(make_initiative, units, 40)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Initiative)) == 43
    assert counts() == small
    # stages, initiatives, rollout dates, indicators with their latest verified value; the files
    # also ask when the data last changed
    assert small == {"/dampak": 4, "/dampak/data/quick-wins.csv": 5,
                     "/dampak/data/outcomes.csv": 5, "/dampak/catalog.jsonld": 5}


@pytest.fixture
def open_data_env(monkeypatch, tmp_path):
    for name in ("QUICKWIN_OPEN_DATA_LICENSE", "QUICKWIN_OPEN_DATA_PUBLISHER",
                 "QUICKWIN_OPEN_DATA_CONTACT_EMAIL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("flask.Flask.auto_find_instance_path", lambda self: str(tmp_path))
    return monkeypatch


def test_settings_come_from_the_environment(open_data_env):
    defaults = create_app({"TESTING": True, "SECRET_KEY": "s"}).config
    assert defaults["OPEN_DATA_LICENSE"] == CC_BY
    assert defaults["OPEN_DATA_PUBLISHER"] == "Pemerintah Kota Balikpapan"
    assert defaults["OPEN_DATA_CONTACT_EMAIL"] == ""
    open_data_env.setenv("QUICKWIN_OPEN_DATA_LICENSE", "https://opendatacommons.org/licenses/odbl/1-0/")
    open_data_env.setenv("QUICKWIN_OPEN_DATA_PUBLISHER", "Diskominfo Kota Balikpapan")
    open_data_env.setenv("QUICKWIN_OPEN_DATA_CONTACT_EMAIL", " data@balikpapan.go.id ")
    config = create_app({"TESTING": True, "SECRET_KEY": "s"}).config
    assert config["OPEN_DATA_LICENSE"] == "https://opendatacommons.org/licenses/odbl/1-0/"
    assert config["OPEN_DATA_PUBLISHER"] == "Diskominfo Kota Balikpapan"
    assert config["OPEN_DATA_CONTACT_EMAIL"] == "data@balikpapan.go.id"


@pytest.mark.parametrize(("env", "value"), [
    ("QUICKWIN_OPEN_DATA_LICENSE", "CC BY 4.0"), ("QUICKWIN_OPEN_DATA_LICENSE", "ftp://x/"),
    ("QUICKWIN_OPEN_DATA_CONTACT_EMAIL", "smart city team"),
    ("QUICKWIN_OPEN_DATA_CONTACT_EMAIL", "a@b"),
])
def test_a_bad_setting_fails_at_start_with_its_name(open_data_env, env, value):
    open_data_env.setenv(env, value)
    with pytest.raises(ConfigError, match=env):
        create_app({"TESTING": True, "SECRET_KEY": "s"})


@pytest.mark.parametrize("app_config", [ON])
def test_a_compressed_file_is_conditional_too(app_config, client, make_unit, make_initiative):
    """Over 1 KB a CSV goes out gzip-compressed (Flask-Compress marks its ETag ``:gzip``); the
    compressed ETag still earns a 304."""
    _grow(make_initiative, [make_unit()], 30)
    gzip = {"Accept-Encoding": "gzip"}
    response = client.get("/dampak/data/quick-wins.csv", headers=gzip)
    assert response.headers["Content-Encoding"] == "gzip"
    etag = response.headers["ETag"]
    assert etag.endswith(':gzip"')
    again = client.get("/dampak/data/quick-wins.csv", headers={**gzip, "If-None-Match": etag})
    assert again.status_code == 304
    # The catalogue (JSON-LD, about 9 KB) is compressed too.
    catalogue = client.get("/dampak/catalog.jsonld", headers=gzip)
    assert catalogue.headers["Content-Encoding"] == "gzip"
