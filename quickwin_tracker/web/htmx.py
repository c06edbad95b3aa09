"""One place that decides page vs. fragment, and the htmx response conventions.

- success: 200 with the updated fragment;
- validation failure: 422 with the re-rendered form (htmx is configured to swap 422);
- refused action: 403/409 with the reason (also swapped, see ``templates/base.html``);
- navigation: ``HX-Redirect`` for htmx requests, 303 for plain form posts.
"""

from __future__ import annotations

from typing import Any

from flask import Response, make_response, redirect, request
from jinja2_fragments.flask import render_block

from .pages import render_page


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def wants_fragment() -> bool:
    """True for an htmx request that wants a part of a page.

    History restores and boosted navigation want the whole page.
    """
    h = request.headers
    return (
        is_htmx()
        and h.get("HX-History-Restore-Request") != "true"
        and h.get("HX-Boosted") != "true"
    )


def render(template: str, block: str | None = None, **ctx: Any) -> str:
    """Render ``block`` of ``template`` for fragment requests, the whole page otherwise
    (``pages.render_page``: with what the page's header shows)."""
    if block and wants_fragment():
        return render_block(template, block, **ctx)
    return render_page(template, **ctx)


def redirect_to(url: str) -> Response:
    """Navigate: ``HX-Redirect`` (200) under htmx, a 303 See Other otherwise."""
    if is_htmx():
        response = make_response("", 200)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, code=303)


INITIATIVE_CHANGED = "initiative-changed"


def changed(body: str, status: int = 200) -> Response:
    """A fragment answering a successful in-place change to an initiative; the event tells the
    page's other parts (status line, trail) to refresh themselves."""
    response = make_response(body, status)
    response.headers["HX-Trigger"] = INITIATIVE_CHANGED
    return response


def add_vary(response: Response) -> Response:
    """Responses differ by ``HX-Request``: tell caches (after_request hook)."""
    response.vary.add("HX-Request")
    return response
