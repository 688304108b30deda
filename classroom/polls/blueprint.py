"""The lesson blueprint (`/runs`) and what holds for all its routes: the teacher's own run.

Routes live in the `*_views` modules of this package; `polls/__init__.py` imports them,
so that no route module imports another.
"""

from flask import Blueprint, g, request
from flask_login import current_user

from ..accounts.decorators import require_role
from ..extensions import db
from . import services
from .models import Run

bp = Blueprint("polls", __name__, url_prefix="/runs")


@bp.before_request
def load_own_run():
    """Staff only; a run in the URL must be the current teacher's own (else 404)."""
    if (response := require_role()) is not None:
        return response
    run_id = (request.view_args or {}).get("run_id")
    if run_id is not None:
        g.run = db.one_or_404(
            db.select(Run).where(Run.id == run_id, Run.teacher_id == current_user.id)
        )
    return None


@bp.app_template_filter("grouped_code")
def grouped_code(code: str) -> str:
    """A join code in groups of three, easier to read from the back of the room."""
    return services.display_code(code)
