"""The programme lead's pages: programmes, participation, results, report and CSV."""

from flask import render_template

from ..accounts.decorators import role_required
from .blueprint import bp


@bp.get("/programmes/")
@role_required("lead")
def index():
    """The programmes of the lead's municipality."""
    return render_template("programmes/index.html")
