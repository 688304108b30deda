"""The compact teacher screen beside the projector: one laptop or phone screen at a glance."""

from flask import g, render_template

from . import answers
from .blueprint import bp
from .pages import view_model
from .presenting import screen


@bp.get("/<int:run_id>/companion")
def companion(run_id: int):
    """What the projector shows now, Next/Previous, answers and the fitting prompt (owner)."""
    context = view_model(g.run)
    current = context["current"]
    moderating = current is not None and current.kind.is_text and current.status != "ready"
    queue = answers.moderation_queue(current) if moderating else None
    return render_template(
        "polls/companion.html", queue=queue, **screen(g.run, context["results"]), **context
    )
