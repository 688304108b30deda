"""The operator's page: municipalities and their programme leads."""

from flask import render_template

from ..accounts.decorators import role_required
from .blueprint import bp


@bp.get("/operator")
@role_required("operator")
def operator():
    """The municipalities on this server and their leads."""
    return render_template("programmes/operator.html")
