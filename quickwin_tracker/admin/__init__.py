"""Administration: people, units (OPD) and workflow stages. Admins only."""

from flask import Blueprint
from flask_login import current_user, login_required

from ..domain.permissions import can_administer
from ..web.actions import require

bp = Blueprint("admin", __name__)


@bp.before_request
@login_required
def _admins_only():
    require(can_administer(current_user))


from . import views  # noqa: E402,F401
