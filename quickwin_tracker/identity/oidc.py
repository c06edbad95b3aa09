"""OpenID Connect sign-in with Authlib's Flask client (the ``oidc`` blueprint, /auth/oidc).

``POST /auth/oidc/login`` (the login page's "Sign in with the city account" button, with CSRF)
sends the browser to the provider's authorization endpoint with a fresh ``state``, ``nonce`` and
PKCE ``code_challenge`` (S256); Authlib keeps the state's data (the nonce and the code verifier)
in the signed session cookie, under the state's own key.

``GET /auth/oidc/callback`` takes the provider's answer:

1. Authlib finds the state's data in this browser's session and removes it, so a state that was
   not issued here, or is used a second time, is refused (``MismatchingStateError``);
2. it exchanges the code with the verifier (the provider refuses a code used before);
3. it checks the ID token's signature against the provider's keys, ``iss``, ``aud``, expiry and
   the ``nonce`` it sent. Authlib only checks the nonce when the state's data carries one, and
   returns no ``userinfo`` when the token has no ID token: :func:`_claims` refuses both cases
   instead of trusting them;
4. the claims (ID token, plus the userinfo endpoint's answer for the same ``sub``) must carry an
   email the provider has verified (``email_verified``);
5. ``accounts.sign_in_external`` finds or creates the user and applies the mapping rules, in the
   one transaction; ``auth.sessions.sign_in`` starts the session.

Logout ends the provider's session too when it has an ``end_session_endpoint``
(:func:`logout_url`): the ID token is kept in the session as the ``id_token_hint``.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client.errors import MismatchingStateError
from authlib.integrations.flask_client import OAuth
from flask import Blueprint, Flask, abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from joserfc.errors import JoseError

from ..auth.sessions import sign_in
from ..models import AUTH_OIDC
from ..web.actions import user_action
from ..web.security import is_safe_redirect
from .accounts import ExternalIdentity, group_names, sign_in_external

log = logging.getLogger(__name__)

bp = Blueprint("oidc", __name__)

CLIENT = "city"
ID_TOKEN_KEY = "oidc_id_token"  # the session's id_token_hint for the provider's logout
NEXT_KEY = "oidc_next"


def init_app(app: Flask) -> None:
    """One Authlib registry per application (tests build many apps, each its own provider)."""
    oauth = OAuth(app)
    if app.config["OIDC_ENABLED"]:
        oauth.register(
            CLIENT,
            server_metadata_url=app.config["OIDC_DISCOVERY_URL"],
            client_id=app.config["OIDC_CLIENT_ID"],
            client_secret=app.config["OIDC_CLIENT_SECRET"] or None,
            client_kwargs={
                "scope": app.config["OIDC_SCOPES"],
                "code_challenge_method": "S256",  # PKCE: Authlib makes the verifier
                "default_timeout": app.config["OIDC_TIMEOUT"],
            },
        )
        app.after_request(_allow_provider_forms)


def _origin(url: str) -> str | None:
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def provider_origins() -> list[str]:
    """The provider's origins a form of ours may end up at: the sign-in button's redirect to the
    authorization endpoint and the logout's redirect to the end-session endpoint (browsers apply
    the CSP's ``form-action`` to a form's redirects too). The discovery URL's origin, and those of
    the endpoints once the provider's metadata is loaded (never fetched here)."""
    origins = [_origin(current_app.config["OIDC_DISCOVERY_URL"])]
    client = current_app.extensions["authlib.integrations.flask_client"].create_client(CLIENT)
    metadata = getattr(client, "server_metadata", None) or {}
    origins += [_origin(metadata.get(key, "")) for key in ("authorization_endpoint",
                                                           "end_session_endpoint")]
    return sorted({o for o in origins if o})


def _allow_provider_forms(response):  # noqa: ANN001, ANN201 (Flask's after_request)
    """Add the provider to the CSP's ``form-action`` (``web/security.py`` sets ``'self'``); this
    hook is registered before that one, so it runs after it."""
    policy = response.headers.get("Content-Security-Policy", "")
    if "form-action 'self'" in policy:
        response.headers["Content-Security-Policy"] = policy.replace(
            "form-action 'self'", " ".join(["form-action 'self'", *provider_origins()]), 1)
    return response


def enabled() -> bool:
    return bool(current_app.config.get("OIDC_ENABLED"))


def _client():
    if not enabled():
        abort(404)
    return current_app.extensions["authlib.integrations.flask_client"].create_client(CLIENT)


@bp.post("/login")
def login():
    """Off to the provider (the form carries the CSRF token, so no other site starts this)."""
    client = _client()
    target = request.form.get("next", "")
    session[NEXT_KEY] = target if is_safe_redirect(target) else ""
    try:
        return client.authorize_redirect(url_for("oidc.callback", _external=True))
    except (requests.RequestException, AuthlibBaseError, ValueError) as exc:
        log.warning("OpenID provider unreachable for sign-in: %s", type(exc).__name__)
        flash(_("The city account's server cannot be reached right now. Please try again "
                "later."), "error")
        return redirect(url_for("auth.login"), code=303)


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


class _Refusal(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _claims(client) -> dict[str, Any]:  # noqa: ANN001 (Authlib's client)
    """The verified claims of this callback, or ``_Refusal`` with the reason for the person."""
    try:
        token = client.authorize_access_token()
    except MismatchingStateError as exc:
        raise _Refusal(_("This sign-in was not started in this browser, or was already used. "
                         "Please start again.")) from exc
    except requests.RequestException as exc:
        log.warning("OpenID provider unreachable at callback: %s", type(exc).__name__)
        raise _Refusal(_("The city account's server cannot be reached right now. Please try "
                         "again later.")) from exc
    except (AuthlibBaseError, JoseError, ValueError) as exc:
        # The provider's refusal (an expired or reused code, access denied) or a token that
        # does not verify. The error code only: descriptions may echo what was sent.
        log.warning("OpenID sign-in refused: %s %s", type(exc).__name__,
                    getattr(exc, "error", ""))
        raise _Refusal(_("The city account did not confirm this sign-in. Please start "
                         "again.")) from exc
    userinfo = token.get("userinfo")
    if not userinfo or not userinfo.get("nonce"):
        # No ID token, or no nonce checked: nothing here is proven.
        log.warning("OpenID sign-in refused: no verified ID token with a nonce")
        raise _Refusal(_("The city account did not confirm this sign-in. Please start again."))
    claims = dict(userinfo)
    session[ID_TOKEN_KEY] = token["id_token"]
    if client.load_server_metadata().get("userinfo_endpoint"):
        try:
            extra = client.userinfo(token=token)
        except (requests.RequestException, AuthlibBaseError, ValueError) as exc:
            log.warning("OpenID userinfo unreachable: %s", type(exc).__name__)
            extra = {}
        if extra.get("sub") == claims["sub"]:  # the spec's rule: else ignore it
            claims = {**extra, **claims}
    return claims


def identity_from(claims: dict[str, Any], issuer: str) -> ExternalIdentity:
    email = str(claims.get("email") or "").strip()
    if not email:
        raise _Refusal(_("The city account gave no email address. Ask its administrators to "
                         "release the email claim to this application."))
    if not _truthy(claims.get("email_verified")):
        raise _Refusal(_("The city account has not verified the email address %(email)s, so "
                         "it cannot be used to sign in here. Verify it with the city account "
                         "first.", email=email))
    groups = claims.get(current_app.config["OIDC_GROUPS_CLAIM"]) or []
    if isinstance(groups, str):
        groups = [groups]
    # Keycloak's group mapper may send full paths ("/bpk/diskominfo"): keep both forms.
    names = [g for raw in groups for g in (str(raw), str(raw).rsplit("/", 1)[-1])]
    name = str(claims.get("name") or claims.get("preferred_username") or email)[:120]
    return ExternalIdentity(source=AUTH_OIDC, subject=f"{issuer} {claims['sub']}"[:500],
                            email=email, name=name, groups=group_names(names), claims=claims)


@bp.get("/callback")
def callback():
    client = _client()
    target = session.pop(NEXT_KEY, "")
    try:
        claims = _claims(client)
        identity = identity_from(claims, client.load_server_metadata().get("issuer", ""))
    except _Refusal as refusal:
        session.pop(ID_TOKEN_KEY, None)
        flash(refusal.message, "error")
        return redirect(url_for("auth.login"), code=303)
    with user_action() as action:  # a refusal (accounts.Refused) is flashed
        user = sign_in_external(identity)
    if not action.done:
        session.pop(ID_TOKEN_KEY, None)
        return redirect(url_for("auth.login"), code=303)
    id_token = session.get(ID_TOKEN_KEY)
    sign_in(user, remember=False)
    session[ID_TOKEN_KEY] = id_token
    log.info("%s signed in with OpenID Connect", user.email)
    return redirect(target if target and is_safe_redirect(target) else url_for("board.index"),
                    code=303)


def logout_url() -> str | None:
    """The provider's end-session address for this browser's OpenID sign-in (with the ID token
    as hint and the login page to come back to), or None: not signed in with OpenID, or the
    provider has no end-session endpoint (or cannot be reached: signing out here goes on)."""
    id_token = session.pop(ID_TOKEN_KEY, None)
    if not id_token or not enabled():
        return None
    client = current_app.extensions["authlib.integrations.flask_client"].create_client(CLIENT)
    try:
        endpoint = client.load_server_metadata().get("end_session_endpoint")
    except (requests.RequestException, AuthlibBaseError, ValueError):
        return None
    if not endpoint:
        return None
    query = urlencode({"id_token_hint": id_token, "client_id": current_app.config["OIDC_CLIENT_ID"],
                       "post_logout_redirect_uri": url_for("auth.login", _external=True)})
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"
