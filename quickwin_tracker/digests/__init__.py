"""Weekly email digests: what managers (their unit) and reviewers (the city) read on Monday
morning, a browser preview (``/digests/preview``) and ``quickwin digest send``.

``weeks`` is the ISO week a digest belongs to; ``services`` builds a digest's content; ``emails``
makes it an email (recipients, subject, dedupe key, the preview); ``jobs`` queues the week's
digests for the scheduler; ``cli`` adds ``quickwin digest send``.
"""

from flask import Blueprint

bp = Blueprint("digests", __name__)

from . import views  # noqa: E402,F401
