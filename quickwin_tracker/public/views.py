from __future__ import annotations

from flask import Response, abort, current_app, request

from ..lifecycle.progress import bar_width
from ..web.pages import render_page
from . import bp, opendata
from .data import last_changed, published


def _require_public_page() -> None:
    if not current_app.config["PUBLIC_PAGE"]:
        abort(404)


@bp.get("/dampak")
def outcomes():
    _require_public_page()
    data = published()
    return render_page("public/outcomes.html", rows=data.rows, outcomes=data.outcomes,
                       rolled_on=data.rolled_on, bar_width=bar_width,
                       datasets=opendata.DATASETS.values(),
                       open_data_license=current_app.config["OPEN_DATA_LICENSE"],
                       open_data_license_name=opendata.licence_name(
                           current_app.config["OPEN_DATA_LICENSE"]))


def _csv(key: str) -> Response:
    _require_public_page()
    dataset = opendata.DATASETS[key]
    data = published()
    response = Response(opendata.write_csv(dataset, data), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{dataset.filename}"'
    return opendata.conditional(response, last_changed(data), request)


@bp.get("/dampak/data/quick-wins.csv")
def quick_wins_csv():
    """The rolled-out quick wins, as the page shows them (``opendata.QUICK_WINS``)."""
    return _csv("quick-wins")


@bp.get("/dampak/data/outcomes.csv")
def outcomes_csv():
    """Their outcome indicators with the latest verified value (``opendata.OUTCOMES``)."""
    return _csv("outcomes")


@bp.get("/dampak/catalog.jsonld")
def catalog():
    """The DCAT catalogue of the page's datasets, in JSON-LD, for open-data portals (CKAN)."""
    _require_public_page()
    data = published()
    modified = last_changed(data)
    response = Response(opendata.catalogue_json(data, modified), mimetype="application/ld+json")
    return opendata.conditional(response, modified, request)
