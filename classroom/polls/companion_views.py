"""The compact teacher screen beside the projector: one laptop or phone screen at a glance."""

from flask import g, render_template

from .presenting import screen
from .views import bp, view_model


@bp.get("/<int:run_id>/companion")
def companion(run_id: int):
    """What the projector shows now, Next/Previous, answers and the fitting prompt (owner)."""
    context = view_model(g.run)
    return render_template("polls/companion.html", **screen(g.run, context["results"]), **context)
