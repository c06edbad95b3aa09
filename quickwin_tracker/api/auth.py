"""Bearer tokens, the API's only way in (issue 15).

Every API request names its token (``Authorization: Bearer qwt_…``); ``tokens.services.authenticate``
decides whether it opens anything (and counts it against the rate limit), and the token's owner
becomes the request's user, with the owner's permissions: the views then ask
``domain/permissions.py`` exactly as the web does. A read-only token attempts no write
(``can_use_token_for``). Session cookies are ignored on the API (``auth.sessions`` opens no session
there), and CSRF does not apply: a browser never sends a bearer token by itself.
"""

from __future__ import annotations

from flask import g, request

from ..domain.permissions import can_use_token_for
from ..tokens.services import TokenRefused, authenticate
from .problems import ApiProblem

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _challenge(error: str | None = None) -> dict[str, str]:
    value = 'Bearer realm="quickwin-api"'
    if error:
        value += f', error="{error}"'
    return {"WWW-Authenticate": value}


def authenticate_request() -> None:
    """``before_request`` of every API blueprint: the token, or a 401/403/429 problem."""
    if request.method == "OPTIONS":
        return
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise ApiProblem(401, headers=_challenge())
    try:
        token = authenticate(secret, request.remote_addr)
    except TokenRefused as refused:
        if refused.reason == "throttled":
            raise ApiProblem(429, str(refused),
                             headers={"Retry-After": str(refused.retry_after)}) from None
        raise ApiProblem(401, str(refused), headers=_challenge("invalid_token")) from None
    decision = can_use_token_for(token, write=request.method not in SAFE_METHODS)
    if not decision:
        raise ApiProblem(403, decision.reason, headers=_challenge("insufficient_scope"))
    # The token's owner is this request's user (Flask-Login reads g._login_user first).
    g._login_user = token.user
    g.api_token = token
