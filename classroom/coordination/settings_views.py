"""The school's settings page: coordinators change them; the school's teachers read them."""

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..extensions import db
from .forms import SettingsForm
from .settings import (
    SETTINGS,
    change_settings,
    changes_of,
    clean_flag_words,
    clean_support_text,
    last_change_id,
)
from .views import bp

LABELS = {
    "min_answers": _l("Class k"),
    "school_min_answers": _l("School k"),
    "retention_days": _l("Days raw answers are kept"),
    "support_text": _l("Support text"),
    "flag_words": _l("Flag words"),
    "class_size": _l("Students in a class"),
    "password_reset_sent": _l("Reset mail sent to"),
    "password_reset_used": _l("New password set with a reset link for"),
    "programme_accepted": _l("Programme: taking part"),
    "programme_declined": _l("Programme: declined"),
    "programme_left": _l("Programme: left"),
}


def _render(form: SettingsForm | None, status: int = 200, conflict: bool = False):
    page = request.args.get("page", 1, type=int)
    return (
        render_template(
            "coordination/settings.html",
            form=form,
            school=g.school,
            changes=changes_of(g.school, page),
            labels=LABELS,
            conflict=conflict,
        ),
        status,
    )


@bp.get("/settings")
def settings():
    """The settings and who changed what; coordinators get the form, teachers read."""
    if current_user.role != "coordinator":
        return _render(None)
    form = SettingsForm(formdata=None, obj=g.school)
    form.last_change.data = last_change_id(g.school)
    return _render(form)


@bp.post("/settings")
def update_settings():
    """Save every setting at once or none; each changed one gets a line in the audit list."""
    form = SettingsForm()
    if not form.validate_on_submit():
        return _render(form, 400)
    latest = last_change_id(g.school)
    if form.last_change.data != str(latest):
        # Someone saved in between: show their change and let the coordinator decide again.
        form.last_change.data = latest
        return _render(form, 409, conflict=True)
    values = {name: getattr(form, name).data for name in SETTINGS}
    values["support_text"] = clean_support_text(values["support_text"])
    values["flag_words"] = clean_flag_words(values["flag_words"])
    changes = change_settings(g.school, current_user, values)
    db.session.commit()
    if changes:
        flash(_("The settings have been saved."), "success")
    else:
        flash(_("Nothing was changed."), "info")
    return redirect(url_for("coordination.settings"), 303)
