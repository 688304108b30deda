"""Login and logout of staff."""

import time
from functools import cache

import click
from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user
from flask_login.config import COOKIE_NAME as REMEMBER_COOKIE
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from ..errors import render_error
from ..extensions import db, limiter, login_manager
from ..navigation import local_path
from .forms import ChangePasswordForm, EmptyForm, LoginForm, NewPasswordForm
from .models import ROLES, User, new_session_token
from .services import (
    AccountError,
    create_user,
    find_invitation,
    find_password_reset,
    find_user_by_email,
    get_or_create_school,
    invitation_state,
    use_password_reset,
)
from .services import accept_invitation as accept_invitation_with
from .sessions import admits, session_time, split_session_id

bp = Blueprint("accounts", __name__, url_prefix="/auth", cli_group="users")


@cache
def _dummy_hash(method: str) -> str:
    """Compared against when the e-mail is unknown, so both cases take the same time."""
    return generate_password_hash("not-a-real-password", method=method)


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """Return the active account for a session id of the form 'id:token'."""
    parts = split_session_id(session_id)
    if parts is None:
        return None
    user = db.session.get(User, parts[0])
    if user is None or not admits(user.active, user.session_token, parts[1]):
        return None
    return user


def _address_and_account() -> str:
    """Rate-limit key: this address trying this account. Nobody elsewhere can lock it."""
    email = (request.form.get("email") or "").strip().lower()
    return f"login:{get_remote_address()}:{email}"


def _failed(response) -> bool:
    return response.status_code == 401


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_FAILURE_LIMIT"],
    key_func=_address_and_account,
    methods=["POST"],
    deduct_when=_failed,
)
@limiter.limit(
    lambda: current_app.config["LOGIN_ADDRESS_LIMIT"],
    key_func=lambda: "login-address:" + get_remote_address(),
    methods=["POST"],
    deduct_when=_failed,
)
def login():
    """Show the login form and log a staff member in; open to everyone."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = find_user_by_email(form.email.data.strip())
        # One hash check for an unknown, a deactivated and an active account alike:
        # the time of the answer must not tell which accounts exist or are switched off.
        if user is None:
            dummy = _dummy_hash(current_app.config["PASSWORD_HASH_METHOD"])
            check_password_hash(dummy, form.password.data)
        elif user.check_password(form.password.data) and user.active:
            if _password_refused(user):
                flash(_("Your school lets you log in with your school account only."), "error")
                return render_template("accounts/login.html", form=form), 403
            start_session(user)
            return redirect(local_path(request.args.get("next")) or url_for("main.index"))
        flash(_("E-mail address or password is not correct."), "error")
        return render_template("accounts/login.html", form=form), 401
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
def logout():
    """Log the current staff member out; a POST with a CSRF token."""
    if EmptyForm().validate_on_submit() and current_user.is_authenticated:
        # A new token also ends copies of this session's cookie, and every other session.
        current_user.session_token = new_session_token()
        db.session.commit()
        after = local_path(session.get("after_logout"))  # e.g. the provider's logout, offered
        end_session()
        flash(_("You are logged out."), "info")
        if after:
            return redirect(after)
    return redirect(url_for("main.index"))


def _password_refused(user: User) -> bool:
    """Whether a feature above accounts (school sign-on) refuses this user a password login."""
    checks = current_app.extensions.get("password_login_checks", [])
    return any(check(user) for check in checks)


def start_session(user: User) -> None:
    """Log in on a fresh session, so nothing from before the login carries over."""
    language = session.get("language")
    session.clear()
    if language:
        session["language"] = language
    login_user(user)
    session["login_at"] = session["seen_at"] = int(time.time())


def end_session() -> None:
    """Log out and forget everything in this browser's session but the language."""
    language = session.get("language")
    logout_user()
    session.clear()
    if language:
        session["language"] = language


@bp.before_app_request
def expire_idle_sessions():
    """End a staff session after the idle or the absolute time-out."""
    remember = current_app.config.get("REMEMBER_COOKIE_NAME", REMEMBER_COOKIE)
    if "_user_id" not in session and remember not in request.cookies:
        # A phone or a visitor: no staff session, so no user to load for every request.
        return None
    if not current_user.is_authenticated:
        return None
    now = int(time.time())
    verdict = session_time(session, now, current_app.config)
    if verdict == "expired":
        end_session()
        flash(_("Your session has expired. Please log in again."), "info")
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    if verdict == "refresh":
        session["seen_at"] = now
    return None


@bp.route("/password", methods=["GET", "POST"])
def change_password():
    """Let a logged-in staff member change their password; other sessions end."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            form.current.errors.append(_("The current password is not correct."))
        else:
            current_user.set_password(form.password.data)
            current_user.session_token = new_session_token()
            db.session.commit()
            start_session(current_user)
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("main.index"), 303)
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/password.html", form=form), status


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """A new teacher sets a password through a single-use, expiring invitation link."""
    invitation = find_invitation(token)
    state = invitation_state(invitation)
    if state != "valid":
        messages = {
            "unknown": _(
                "This invitation link does not exist. Ask your coordinator for a new one."
            ),
            "used": messages_used(),
            "expired": _("This invitation has expired. Ask your coordinator for a new one."),
        }
        return render_error(404 if state == "unknown" else 410, messages[state])
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            user = accept_invitation_with(invitation, form.password.data)
            db.session.commit()
        except AccountError as error:
            db.session.rollback()
            if str(error) == "used":
                return render_error(410, messages_used())
            return render_error(409, _("There already is an account with this e-mail address."))
        except IntegrityError:
            # Another browser created the account with this address a moment earlier.
            db.session.rollback()
            return render_error(409, _("There already is an account with this e-mail address."))
        start_session(user)
        flash(_("Welcome! Your account is ready."), "success")
        return redirect(url_for("main.index"), 303)
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/invitation.html", form=form, invitation=invitation), status


@bp.get("/forgot")
def forgot_password():
    """What to do without a password: the coordinator makes a reset link; open to everyone."""
    return render_template("accounts/forgot.html")


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """A teacher sets a new password through a single-use reset link from the coordinator."""
    reset = find_password_reset(token)
    state = invitation_state(reset)
    if state == "valid" and not reset.user.active:
        state = "used"
    if state != "valid":
        message = _("This reset link no longer works. Ask your coordinator for a new one.")
        return render_error(404 if state == "unknown" else 410, message)
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            user = use_password_reset(reset, form.password.data)
            db.session.commit()
        except AccountError:
            db.session.rollback()
            message = _("This reset link no longer works. Ask your coordinator for a new one.")
            return render_error(410, message)
        start_session(user)
        flash(_("Your password has been changed."), "success")
        return redirect(url_for("main.index"), 303)
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/reset.html", form=form, user=reset.user), status


def messages_used() -> str:
    """What a browser sees that uses an invitation a second time."""
    return _("This invitation has already been used. Log in with your password.")


@bp.cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--school", "school_name", required=True, help="School name; created if new.")
@click.password_option(envvar="KLASGESPREK_PASSWORD")
def create_command(email: str, name: str, role: str, school_name: str, password: str) -> None:
    """Create a staff account (teacher or coordinator) in a school."""
    school = get_or_create_school(school_name)
    try:
        create_user(school, email, name, role, password)
    except AccountError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Created {role} {email} in {school.name}.")
