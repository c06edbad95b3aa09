"""Issue 15: the API reference (/api/v1/docs) renders in Chromium from the vendored Redoc under
the app's Content-Security-Policy (loosened for that page only, to let Redoc's search start its
worker), with no request leaving the site."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import Page, expect


def test_the_api_reference_renders_under_the_csp(live_server, page: Page):
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    answered: list[str] = []
    page.on("response", lambda response: answered.append(response.url))

    page.goto(live_server.path("/api/v1/docs#section/ETag-and-If-Match"))
    expect(page.get_by_role("heading", name="ETag and If-Match")).to_be_visible(timeout=15_000)
    expect(page.get_by_text("Initiatives").first).to_be_visible()
    # Redoc's search runs in its worker (the one thing the page's policy adds).
    page.get_by_placeholder("Search...").fill("measurement")
    expect(page.locator("[role=search] li, .search-results li").first).to_be_visible(timeout=10_000)

    assert not errors, errors
    own = urlsplit(live_server.url).netloc
    assert all(urlsplit(url).netloc in (own, "") or url.startswith(("blob:", "data:"))
               for url in answered), answered
    # Only Redoc's footer logo (an image on its CDN) is asked for elsewhere, and the policy
    # blocks it, as it should.
    refused = [line for line in console if "Content Security Policy" in line]
    assert all("cdn.redoc.ly" in line and "img-src" in line for line in refused), refused
