"""Open data: the public page's data as CSV files and as a DCAT catalogue (JSON-LD).

What is published is exactly what the page shows (``data.published``): this module only writes
it down. The columns are stable English snake_case names, documented in docs/opendata.md; change
them only with a new dataset, never in place (portals and scripts read them by name).

- CSV: UTF-8 without a byte-order mark, a header row, comma-separated with RFC 4180 quoting
  (``\\r\\n`` line ends), ISO 8601 dates, numbers with a dot and no thousands separator, an
  empty field for "none". Texts are written exactly as entered (no spreadsheet-formula
  escaping, unlike the staff export in ``transfer/exports.py``): they are data for programs.
- The catalogue: DCAT (``dcat:Catalog`` → ``dcat:Dataset`` → ``dcat:Distribution``) in the
  DCAT-AP style that ckanext-dcat's RDF harvester reads, with an inline ``@context`` (no
  remote one to fetch), absolute URLs (``mail.urls.app_url``: ``QUICKWIN_BASE_URL`` when set),
  titles and descriptions in Indonesian and English, the licence
  (``QUICKWIN_OPEN_DATA_LICENSE``), publisher and contact point from the configuration.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from flask import Request, Response, current_app

from ..domain.clock import local_date
from ..mail.urls import app_url
from .data import PublicData

EU_LANGUAGE = "http://publications.europa.eu/resource/authority/language/"
EU_THEME = "http://publications.europa.eu/resource/authority/data-theme/"

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}

# Short names of common licences, for the page's link; any other URL is shown as it is.
LICENCE_NAMES = {
    "https://creativecommons.org/licenses/by/4.0/": "CC BY 4.0",
    "https://creativecommons.org/licenses/by-sa/4.0/": "CC BY-SA 4.0",
    "https://creativecommons.org/publicdomain/zero/1.0/": "CC0 1.0",
    "https://opendatacommons.org/licenses/odbl/1-0/": "ODbL 1.0",
}


def number(value: float | None) -> str:
    """A number as programs read it: a dot, no thousands separator, no exponent, no ``.0``
    on whole numbers; empty for none."""
    if value is None:
        return ""
    exact = Decimal(repr(float(value)))
    if exact == exact.to_integral_value():
        return str(int(exact))
    return format(exact.normalize(), "f")


def percent(value: float | None) -> str:
    """A progress percentage, to one decimal (the page rounds it to a whole one)."""
    return "" if value is None else number(round(value, 1))


def iso_date(value: Any) -> str:
    return "" if value is None else value.isoformat()


def _quick_wins(data: PublicData) -> list[list[str]]:
    page = app_url("public.outcomes")
    return [[str(row.id), row.title, row.benefit, row.unit_code, row.unit_name,
             row.dimension_code, row.name_id, row.name_en,
             local_date(data.rolled_on[row.id]).isoformat(),
             percent(data.progress_of(row.id)), str(len(data.outcomes.get(row.id, []))),
             f"{page}#qw-{row.id}"]
            for row in data.rows]


def _outcomes(data: PublicData) -> list[list[str]]:
    return [[str(row.id), str(o.indicator_id), o.name, o.unit_of_measure, number(o.baseline),
             number(o.target), number(o.latest), iso_date(o.measured_on), percent(o.progress)]
            for row in data.rows for o in data.outcomes.get(row.id, [])]


@dataclass(frozen=True)
class Dataset:
    key: str  # the dataset's fragment in the catalogue and its CSV's name
    endpoint: str
    filename: str
    title: dict[str, str]  # by language: "id", "en"
    description: dict[str, str]
    columns: tuple[str, ...]
    rows: Callable[[PublicData], list[list[Any]]]

    def title_in(self, language: str | None) -> str:
        return self.title["en" if language == "en" else "id"]


QUICK_WINS = Dataset(
    key="quick-wins",
    endpoint="public.quick_wins_csv",
    filename="quick-wins-rolled-out.csv",
    title={"id": "Quick win yang sudah diluncurkan",
           "en": "Quick wins rolled out"},
    description={
        "id": "Quick win Smart City yang sudah diluncurkan dan sampai ke warga: judul, manfaat "
              "bagi warga, OPD pelaksana, dimensi Smart City, tanggal peluncuran dan rata-rata "
              "kemajuan capaian terverifikasi.",
        "en": "Smart City quick wins that have been rolled out to citizens: title, benefit for "
              "citizens, the responsible unit (OPD), Smart City dimension, rollout date and mean "
              "verified outcome progress.",
    },
    columns=("id", "title", "benefit", "unit_code", "unit_name", "dimension_code",
             "dimension_name_id", "dimension_name_en", "rolled_out_on",
             "outcome_progress_percent", "indicator_count", "page_url"),
    rows=_quick_wins,
)

OUTCOMES = Dataset(
    key="outcomes",
    endpoint="public.outcomes_csv",
    filename="quick-win-outcomes.csv",
    title={"id": "Indikator capaian quick win",
           "en": "Quick win outcome indicators"},
    description={
        "id": "Indikator capaian setiap quick win yang sudah diluncurkan: nilai awal, target, "
              "pengukuran terverifikasi terakhir beserta tanggalnya, dan kemajuan menuju target. "
              "Hanya pengukuran yang sudah diverifikasi tim Smart City.",
        "en": "The outcome indicators of each rolled-out quick win: baseline, target, the latest "
              "verified measurement and its date, and progress toward the target. Only "
              "measurements verified by the Smart City team.",
    },
    columns=("quick_win_id", "indicator_id", "indicator_name", "unit_of_measure", "baseline",
             "target", "latest_value", "latest_measured_on", "progress_percent"),
    rows=_outcomes,
)

DATASETS = {d.key: d for d in (QUICK_WINS, OUTCOMES)}


def write_csv(dataset: Dataset, data: PublicData) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)  # the "excel" dialect: commas, RFC 4180 quoting, \r\n
    writer.writerow(dataset.columns)
    writer.writerows(dataset.rows(data))
    return out.getvalue().encode("utf-8")


def conditional(response: Response, modified: datetime | None, request: Request) -> Response:
    """ETag (the body's hash), Last-Modified (when the data last changed), a 304 for a client
    that has it already, and open to scripts on any site (the data is public)."""
    response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:32])
    if modified is not None:
        response.last_modified = modified
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response.make_conditional(request)


def _texts(by_language: dict[str, str]) -> list[dict[str, str]]:
    return [{"@language": language, "@value": text} for language, text in by_language.items()]


def _moment(value: datetime) -> dict[str, str]:
    utc = value.astimezone(UTC).replace(microsecond=0)
    return {"@type": "xsd:dateTime", "@value": utc.isoformat().replace("+00:00", "Z")}


def tag(text: str) -> str:
    """``text`` as a CKAN tag: letters, digits, spaces, ``-``, ``_`` and ``.`` only (CKAN refuses
    a dataset whose tag holds anything else, such as the brackets of "Smart Governance (Tata
    Kelola)"), at most 100 characters."""
    return " ".join(re.sub(r"[^\w\-. ]+", " ", text).split())[:100]


def _keywords(data: PublicData, city: str) -> list[dict[str, str]]:
    """The catalogue's keywords (CKAN's tags): the Smart City dimensions of what is published, in
    both languages, and a few about the whole; a word the same in both languages once."""
    pairs = [("quick win", "quick win"), ("kota cerdas", "smart city"), (city, city)]
    seen_dimensions = set()
    for row in data.rows:
        if row.dimension_code not in seen_dimensions:
            seen_dimensions.add(row.dimension_code)
            pairs.append((row.name_id, row.name_en))
    keywords: list[dict[str, str]] = []
    seen: set[str] = set()
    for indonesian, english in pairs:
        for language, text in (("id", tag(indonesian)), ("en", tag(english))):
            if len(text) >= 2 and text.casefold() not in seen:
                seen.add(text.casefold())
                keywords.append({"@language": language, "@value": text})
    return keywords


def catalogue(data: PublicData, modified: datetime | None) -> dict[str, Any]:
    """The DCAT catalogue of ``DATASETS`` (a JSON-LD document)."""
    config = current_app.config
    city = config["CITY_NAME"]
    licence = {"@id": config["OPEN_DATA_LICENSE"]}
    page = app_url("public.outcomes")
    catalog_url = app_url("public.catalog")
    publisher = {"@type": "foaf:Organization", "foaf:name": config["OPEN_DATA_PUBLISHER"]}
    contact: dict[str, Any] = {"@type": "vcard:Organization",
                               "vcard:fn": config["OPEN_DATA_PUBLISHER"]}
    if config["OPEN_DATA_CONTACT_EMAIL"]:
        contact["vcard:hasEmail"] = {"@id": f"mailto:{config['OPEN_DATA_CONTACT_EMAIL']}"}
    languages = [{"@id": EU_LANGUAGE + "IND"}, {"@id": EU_LANGUAGE + "ENG"}]
    keywords = _keywords(data, city)
    dates: dict[str, Any] = {}
    if data.rolled_on:
        dates["dct:issued"] = _moment(min(data.rolled_on.values()))
    if modified is not None:
        dates["dct:modified"] = _moment(modified)
    datasets = []
    for dataset in DATASETS.values():
        uri = f"{catalog_url}#{dataset.key}"
        csv_url = app_url(dataset.endpoint)
        datasets.append({
            "@id": uri,
            "@type": "dcat:Dataset",
            "dct:identifier": uri,
            "dct:title": _texts(dataset.title),
            "dct:description": _texts(dataset.description),
            "dcat:keyword": keywords,
            "dcat:theme": {"@id": EU_THEME + "GOVE"},
            "dct:language": languages,
            "dct:license": licence,
            "dct:publisher": publisher,
            "dcat:contactPoint": contact,
            "dct:spatial": {"@type": "dct:Location", "skos:prefLabel": city},
            "dcat:landingPage": {"@id": page},
            **dates,
            "dcat:distribution": [{
                "@id": f"{uri}-csv",
                "@type": "dcat:Distribution",
                "dct:title": _texts({lang: f"{text} (CSV)"
                                     for lang, text in dataset.title.items()}),
                "dcat:downloadURL": {"@id": csv_url},
                "dcat:accessURL": {"@id": csv_url},
                "dcat:mediaType": "text/csv",
                "dct:format": "CSV",
                "dct:license": licence,
                **({"dct:modified": dates["dct:modified"]} if "dct:modified" in dates else {}),
            }],
        })
    return {
        "@context": CONTEXT,
        "@id": catalog_url,
        "@type": "dcat:Catalog",
        "dct:title": _texts({"id": f"Data terbuka quick win Smart City {city}",
                             "en": f"{city} Smart City quick wins open data"}),
        "dct:description": _texts({
            "id": "Quick win Smart City yang sudah diluncurkan dan capaian terverifikasinya, "
                  "seperti yang ditampilkan di halaman dampak bagi warga.",
            "en": "Rolled-out Smart City quick wins and their verified outcomes, as shown on the "
                  "public outcome page.",
        }),
        "dct:publisher": publisher,
        "dct:language": languages,
        "dct:license": licence,
        "foaf:homepage": {"@id": page},
        **({"dct:modified": dates["dct:modified"]} if "dct:modified" in dates else {}),
        "dcat:dataset": datasets,
    }


def catalogue_json(data: PublicData, modified: datetime | None) -> bytes:
    return json.dumps(catalogue(data, modified), ensure_ascii=False, indent=2).encode("utf-8")


def licence_name(url: str) -> str:
    return LICENCE_NAMES.get(url, url)
