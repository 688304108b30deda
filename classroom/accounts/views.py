"""Login and logout of staff."""

import secrets
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
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user
from flask_login.config import COOKIE_NAME as REMEMBER_COOKIE
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from ..errors import render_error
from ..extensions import db, limiter, login_manager
from ..mail import send_later
from ..navigation import local_path
from .forms import ChangePasswordForm, EmptyForm, ForgotPasswordForm, LoginForm, NewPasswordForm
from .mails import password_changed_mail, reset_mail, sign_on_only_mail
from .models import SCHOOL_ROLES, User, new_session_token
from .services import (
    AccountError,
    create_password_reset,
    create_user,
    find_invitation,
    find_password_reset,
    find_user_by_email,
    get_or_create_school,
    invitation_state,
    password_refused,
    use_password_reset,
)
from .services import accept_invitation as accept_invitation_with
from .sessions import admits, end_session, session_time, split_session_id, start_session
from .signals import password_reset_requested, password_reset_used

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
            if password_refused(user):
                flash(_sign_on_only(user), "error")
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
            notice = password_changed_mail(current_user, str(get_locale()))
            start_session(current_user)
            send_later(notice)
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


def _forgot_account() -> str:
    """Rate-limit key: the typed address, from wherever it is asked for."""
    return "forgot-account:" + (request.form.get("email") or "").strip().lower()


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["FORGOT_ACCOUNT_LIMIT"], key_func=_forgot_account, methods=["POST"]
)
@limiter.limit(
    lambda: current_app.config["FORGOT_ADDRESS_LIMIT"],
    key_func=lambda: "forgot-address:" + get_remote_address(),
    methods=["POST"],
)
def forgot_password():
    """Mail a single-use reset link to an active account's address; open to everyone.

    The page answers the same whether or not the address is an account's, and the mail
    leaves after the answer, so neither its words nor its time tell.
    """
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        _mail_reset_on_request(form.email.data.strip())
        return render_template("accounts/forgot.html", form=None, sent=True)
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/forgot.html", form=form, sent=False), status


def _mail_reset_on_request(email: str) -> None:
    """A reset link to the account's own address; where it has no password, the way in."""
    language = str(get_locale())
    user = find_user_by_email(email)
    if user is None or not user.active:
        # The same work as for an account, but nothing is stored or sent.
        reset_mail(email, "", secrets.token_urlsafe(32), language)
        db.session.commit()
        return
    if password_refused(user):
        db.session.commit()
        send_later(sign_on_only_mail(user, language))
        return
    token = create_password_reset(user)
    password_reset_requested.send(user)
    db.session.commit()
    send_later(reset_mail(user.email, user.name, token, language))


def _reset_refused(reset) -> tuple[str, int] | None:
    """The error page for a reset link that does not work, or None when it does."""
    state = invitation_state(reset)
    if state == "valid" and not reset.user.active:
        state = "used"
    if state != "valid":
        if reset is not None and reset.user.school_id is None:  # a lead: no coordinator
            message = _(
                "This link no longer works. Ask for a new one with “Forgot your password?”."
            )
        else:
            message = _("This reset link no longer works. Ask your coordinator for a new one.")
        return render_error(404 if state == "unknown" else 410, message)
    if password_refused(reset.user):
        message = _(
            "%(rule)s So this reset link does not work. Use “Log in with your school account” "
            "on the login page.",
            rule=_sign_on_only(reset.user),
        )
        return render_error(403, message)
    return None


def _sign_on_only(user: User) -> str:
    """Why a password is refused: the school's, or a lead's municipality's, sign-on only."""
    if user.school_id is None:
        return _("Your municipality lets you log in with its own account only.")
    return _("Your school lets you log in with your school account only.")


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Set a new password through a single-use reset link; it logs nobody in; open to all."""
    reset = find_password_reset(token)
    if (refusal := _reset_refused(reset)) is not None:
        return refusal
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            user = use_password_reset(reset, form.password.data)
            password_reset_used.send(user)
            db.session.commit()
        except AccountError:
            db.session.rollback()
            message = _("This reset link no longer works. Ask your coordinator for a new one.")
            return render_error(410, message)
        # Whoever was logged in in this browser is not any more: the link logs nobody in.
        end_session()
        send_later(password_changed_mail(user, str(get_locale())))
        flash(_("Your password has been changed. Log in with your new password."), "success")
        return redirect(url_for("accounts.login"), 303)
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/reset.html", form=form, user=reset.user), status


def messages_used() -> str:
    """What a browser sees that uses an invitation a second time."""
    return _("This invitation has already been used. Log in with your password.")


@bp.cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(SCHOOL_ROLES), required=True)
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
