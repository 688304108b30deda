"""The programme pages: the operator's, the programme lead's and the coordinator's.

Each route module guards its own routes by role (`accounts.decorators.role_required`):
operator_views the operator's, lead_views the programme lead's, school_views the
coordinator's. A lead reaches only the programmes of their own municipality.
"""

from flask import Blueprint

bp = Blueprint("programmes", __name__)
