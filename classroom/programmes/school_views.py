"""The coordinator's side: invitations to programmes, accepting, declining and leaving."""

from flask import render_template

from ..accounts.decorators import role_required
from .blueprint import bp


@bp.get("/school/programmes")
@role_required("coordinator")
def invitations():
    """The programmes the school is invited to, has joined or has left."""
    return render_template("programmes/invitations.html")
