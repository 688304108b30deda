"""The operator's page: municipalities and their programme leads."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from ..accounts.decorators import role_required
from ..accounts.mails import new_account_mail
from ..accounts.services import AccountError, find_user_by_email
from ..extensions import db
from ..mail import send_now
from ..signon.models import SignOn
from . import services
from .blueprint import bp
from .forms import LeadForm, MunicipalityForm
from .models import Municipality


def _lead_form(municipality_id: int, **kwargs) -> LeadForm:
    """The add-a-lead form of one municipality; a prefix keeps its field ids apart."""
    return LeadForm(prefix=f"lead-{municipality_id}", **kwargs)


def _sign_ons() -> dict[int, SignOn]:
    """Each municipality's sign-on settings, for a read-only line on the operator's page."""
    sign_ons = db.session.scalars(
        db.select(SignOn)
        .where(SignOn.municipality_id.is_not(None))
        .options(selectinload(SignOn.claims))
    )
    return {sign_on.municipality_id: sign_on for sign_on in sign_ons}


def _render(status: int = 200, municipality_form=None, lead_form=None, lead_for=None):
    """The operator's page; a form given has just been refused and shows its messages."""
    overviews = services.municipality_overviews()
    lead_forms = {
        overview.municipality.id: lead_form
        if overview.municipality.id == lead_for
        else _lead_form(overview.municipality.id, formdata=None)
        for overview in overviews
    }
    return (
        render_template(
            "programmes/operator.html",
            overviews=overviews,
            form=municipality_form or MunicipalityForm(prefix="municipality", formdata=None),
            lead_forms=lead_forms,
            sign_ons=_sign_ons(),
        ),
        status,
    )


@bp.get("/operator")
@role_required("operator")
def operator():
    """The municipalities on this server with their leads; forms to add both. Operators only."""
    return _render()


@bp.post("/operator/municipalities")
@role_required("operator")
def create_municipality():
    """Add a municipality or region; a name taken is refused. Operators only."""
    form = MunicipalityForm(prefix="municipality")
    if not form.validate_on_submit():
        return _render(400, municipality_form=form)
    try:
        municipality = services.create_municipality(form.name.data)
    except services.ProgrammeError:
        form.name.errors.append(_("There already is a municipality with this name."))
        return _render(409, municipality_form=form)
    db.session.commit()
    flash(_("%(name)s has been added.", name=municipality.name), "success")
    return redirect(url_for("programmes.operator"), 303)


@bp.post("/operator/municipalities/<int:municipality_id>/leads")
@role_required("operator")
def create_lead(municipality_id: int):
    """Add a lead of the municipality and mail them, and only them, a link to choose a password.

    The operator never sees the link: nobody but the lead can act as the lead. Operators only.
    """
    municipality = db.get_or_404(Municipality, municipality_id)
    form = _lead_form(municipality.id)
    if not form.validate_on_submit():
        return _render(400, lead_form=form, lead_for=municipality.id)
    if find_user_by_email(form.email.data.strip()) is not None:
        form.email.errors.append(_("There already is an account with this e-mail address."))
        return _render(409, lead_form=form, lead_for=municipality.id)
    try:
        lead = services.create_lead(municipality, form.email.data, form.name.data, None)
    except AccountError:
        db.session.rollback()
        form.email.errors.append(_("There already is an account with this e-mail address."))
        return _render(409, lead_form=form, lead_for=municipality.id)
    message = new_account_mail(lead, services.new_lead_link(lead), municipality.name)
    db.session.commit()
    if send_now(message):
        flash(
            _(
                "%(name)s is a programme lead of %(municipality)s. A mail with a link to choose"
                " a password has been sent to %(email)s.",
                name=lead.name,
                municipality=municipality.name,
                email=lead.email,
            ),
            "success",
        )
    else:
        flash(
            _(
                "The account of %(email)s exists, but the mail could not be sent. The lead can"
                " ask for a link with “Forgot your password?” on the login page.",
                email=lead.email,
            ),
            "error",
        )
    return redirect(url_for("programmes.operator"), 303)


@bp.post("/operator/leads/<int:user_id>/<any(activate, deactivate):action>")
@role_required("operator")
def set_lead_active(user_id: int, action: str):
    """Deactivate a programme lead who left the municipality (their sessions end), or undo it."""
    lead = services.lead_of_any_municipality(user_id)
    if lead is None:
        abort(404)
    services.set_lead_active(lead, action == "activate")
    db.session.commit()
    return redirect(url_for("programmes.operator"), 303)
