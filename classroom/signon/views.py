"""Signing on with a school (or municipality) account, the coordinator's sign-on settings page,
and the operator's `flask signon` commands."""

from urllib.parse import urlsplit

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
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer

from ..accounts.decorators import role_required
from ..accounts.forms import EmptyForm
from ..accounts.models import School
from ..accounts.services import get_or_create_school
from ..accounts.sessions import start_session
from ..extensions import db
from ..navigation import local_path
from .crypto import decrypt
from .domains import is_public_mail_domain, record_names
from .forms import DOMAIN, SettingsForm, StartForm, issuer_unusable
from .models import SignOn
from .services import (
    Settings,
    SignOnError,
    account_for,
    approve_domain,
    check_domains,
    domain_record,
    domains_approved_elsewhere,
    mark_checked,
    municipality_named,
    password_refusal,
    pending_claims,
    private_issuers_allowed,
    revoke_domain,
    save_settings,
    sign_on_for_email,
    sign_on_of,
    unchecked_providers,
)

bp = Blueprint("signon", __name__, cli_group="signon")

ERRORS = {
    "no-signon": (404, lambda: _("Your school does not use sign-on with a school account for this e-mail address. Log in with your password, or ask your coordinator.")),  # noqa: E501
    "expired": (400, lambda: _("This sign-on attempt has expired or was already used. Please start again.")),  # noqa: E501
    "failed": (400, lambda: _("The answer of your school's sign-on service could not be checked, so you are not logged in. Please start again; if it keeps happening, tell your coordinator.")),  # noqa: E501
    "cancelled": (400, lambda: _("Signing on was cancelled at your school account.")),
    "unreachable": (503, lambda: _("Your school's sign-on service cannot be reached right now. Please try again in a few minutes.")),  # noqa: E501
    "not-invited": (403, lambda: _("There is no account at your school for this e-mail address yet. Ask your coordinator to invite you.")),  # noqa: E501
    "unverified": (403, lambda: _("Your school account did not confirm your e-mail address, so it cannot be linked to an account here. Ask your coordinator or your school's IT department.")),  # noqa: E501
    "other-domain": (403, lambda: _("The e-mail address of this school account does not belong to your school. Sign on with the account your school gave you.")),  # noqa: E501
    "deactivated": (403, lambda: _("Your account has been deactivated. Ask your coordinator if this is a mistake.")),  # noqa: E501
    "linked-elsewhere": (409, lambda: _("Your account is already linked to another school account. Ask your coordinator.")),  # noqa: E501
}  # fmt: skip
# The same refusals for a programme lead at the municipality's provider: no school, no coordinator.
MUNICIPAL_ERRORS = {
    "failed": lambda: _("The answer of your municipality's sign-on service could not be checked, so you are not logged in. Please start again; if it keeps happening, tell whoever runs this Klasgesprek."),  # noqa: E501
    "cancelled": lambda: _("Signing on was cancelled at your municipality account."),
    "unreachable": lambda: _("Your municipality's sign-on service cannot be reached right now. Please try again in a few minutes."),  # noqa: E501
    "not-invited": lambda: _("There is no programme lead account of your municipality for this e-mail address. Ask whoever runs this Klasgesprek; teachers log in with their school account."),  # noqa: E501
    "unverified": lambda: _("Your municipality account did not confirm your e-mail address, so it cannot be linked to an account here. Ask your municipality's IT department."),  # noqa: E501
    "other-domain": lambda: _("The e-mail address of this account does not belong to your municipality. Sign on with the account your municipality gave you."),  # noqa: E501
    "deactivated": lambda: _("Your account has been deactivated. Ask whoever runs this Klasgesprek if this is a mistake."),  # noqa: E501
    "linked-elsewhere": lambda: _("Your account is already linked to another municipality account. Ask whoever runs this Klasgesprek."),  # noqa: E501
}  # fmt: skip

# Why the provider's discovery document could not be used, for the coordinator.
DISCOVERY_ERRORS = {
    "discovery-scheme": lambda url: _("Give the provider's https:// address, without ?…"),
    "discovery-private": lambda url: _("This address is on a private or local network. Give the public https:// address of your school's provider."),  # noqa: E501
    "discovery-unknown-host": lambda url: _("This address cannot be found: there is no such host name. Check the issuer URL."),  # noqa: E501
    "discovery-redirect": lambda url: _("The provider answered with a redirect. Give the issuer URL exactly as your provider names it."),  # noqa: E501
    "discovery-unreachable": lambda url: _("The provider's discovery document could not be read at %(url)s. Check the issuer URL and try again.", url=url),  # noqa: E501
    "discovery-invalid": lambda url: _("The provider's discovery document is not a valid OpenID Connect configuration (it must give https:// addresses for login, token and keys)."),  # noqa: E501
    "discovery-issuer": lambda url: _("The provider's discovery document names another issuer. Give the issuer URL exactly as your provider names it."),  # noqa: E501
}  # fmt: skip

# The outcome of looking up a domain's DNS record, for the coordinator.
CHECK_RESULTS = {
    "approved": ("success", lambda domain: _("%(domain)s is now approved for sign-on.", domain=domain)),  # noqa: E501
    "missing": ("error", lambda domain: _("No record found for %(domain)s yet. A new DNS record can take a while to show; check again later.", domain=domain)),  # noqa: E501
    "no-answer": ("error", lambda domain: _("DNS could not be asked about %(domain)s just now. Try again in a few minutes.", domain=domain)),  # noqa: E501
    "approved-elsewhere": ("error", lambda domain: _("%(domain)s is already approved for another school.", domain=domain)),  # noqa: E501
}  # fmt: skip


@bp.record_once
def _setup(state) -> None:
    """Tell password login about schools whose teachers only sign on."""
    state.app.extensions.setdefault("password_login_checks", []).append(password_refusal)


def _error(code: str, sign_on: SignOn | None = None):
    """A page that says what went wrong and what the teacher (or lead) can do instead."""
    status, message = ERRORS[code]
    if sign_on is not None and sign_on.for_municipality:
        message = MUNICIPAL_ERRORS.get(code, message)
    passwords = sign_on is None or sign_on.passwords_allowed
    return render_template(
        "signon/error.html", message=message(), passwords=passwords, form=StartForm()
    ), status


def _logout_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="signon-logout")


@bp.route("/signon/", methods=["GET", "POST"])
def start():
    """Ask for the address and send the teacher to their school's provider, the programme lead
    to their municipality's; open to all."""
    form = StartForm()
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("signon/start.html", form=form), status
    email = form.email.data.strip().lower()
    sign_on = sign_on_for_email(email)
    if sign_on is None:
        return _error("no-signon")
    from . import client as oidc  # only here and in `callback`: see the client's docstring

    # One attempt at a time: Authlib keeps each attempt's data in the session cookie.
    for key in [key for key in session if key.startswith("_state_")]:
        session.pop(key)
    session["signon_flow"] = {
        "sign_on_id": sign_on.id,
        "next": local_path(request.args.get("next")),
    }
    try:
        location = oidc.authorize_url(sign_on, url_for("signon.callback", _external=True), email)
    except SignOnError as error:
        session.pop("signon_flow")
        return _error(str(error), sign_on)
    # A page with a link, not a redirect: the CSP's form-action 'self' would stop a form's
    # redirect to the provider, and the teacher sees where the link goes before following it.
    return render_template(
        "signon/redirect.html",
        url=location,
        host=urlsplit(location).netloc.rpartition("@")[2],
        owner=sign_on.owner_name,
        for_municipality=sign_on.for_municipality,
    )


@bp.get("/signon/callback")
def callback():
    """The provider sends the teacher (or lead) back here; check the answer and log in; open to
    all."""
    flow = session.pop("signon_flow", None)
    # A flow from before sign-on ids were kept (it had a school id) has simply expired.
    if not isinstance(flow, dict) or not isinstance(flow.get("sign_on_id"), int):
        return _error("expired")
    sign_on = db.session.get(SignOn, flow["sign_on_id"])
    if sign_on is None or not sign_on.active:
        return _error("no-signon")
    from . import client as oidc  # see `start`

    try:
        claims = oidc.verified_claims(sign_on)
    except SignOnError as error:
        return _error(str(error), sign_on)
    try:
        user = account_for(sign_on, claims)
    except SignOnError as error:
        db.session.rollback()
        return _error(str(error), sign_on)
    db.session.commit()
    start_session(user)
    if end_url := oidc.end_session_url(sign_on):
        session["after_logout"] = url_for(
            "signon.logged_out", to=_logout_serializer().dumps(end_url)
        )
    return redirect(flow.get("next") or url_for("main.index"), 303)


@bp.get("/signon/logged-out")
def logged_out():
    """After logging out: offer the provider's logout page too; open to all."""
    try:
        end_url = _logout_serializer().loads(request.args.get("to", ""))
    except BadSignature:
        end_url = None
    return render_template("signon/logged_out.html", end_url=end_url)


@bp.route("/school/sign-on", methods=["GET", "POST"])
@role_required("coordinator")
def settings():
    """The coordinator sets the school's provider; the secret is never shown again."""
    school = current_user.school
    sign_on = sign_on_of(school)
    form = SettingsForm()
    if not form.is_submitted() and sign_on is not None:
        form = SettingsForm(
            formdata=None,
            issuer=sign_on.issuer,
            client_id=sign_on.client_id,
            domains="\n".join(sign_on.domain_list),
            provider_verifies_email=sign_on.provider_verifies_email,
            passwords_allowed=sign_on.passwords_allowed,
        )
    elif not form.is_submitted():
        form = SettingsForm(formdata=None, passwords_allowed=True)
    status = 200
    if form.validate_on_submit():
        taken = domains_approved_elsewhere(school, form.domain_list)
        if taken:
            form.domains.errors.append(
                _(
                    "Another school or a municipality uses these domains: %(names)s",
                    names=", ".join(taken),
                )
            )
            status = 409
        elif sign_on is None and not form.client_secret.data:
            form.client_secret.errors.append(_("Give the client secret."))
            status = 400
        else:
            from . import client as oidc  # see `start`

            try:
                # Only a provider whose discovery document was read here is ever used.
                oidc.discover(form.issuer.data)
            except SignOnError as error:
                url = f"{form.issuer.data}/.well-known/openid-configuration"
                form.issuer.errors.append(DISCOVERY_ERRORS[str(error)](url))
                status = 400
            else:
                save_settings(
                    school,
                    Settings(
                        issuer=form.issuer.data,
                        client_id=form.client_id.data.strip(),
                        secret=form.client_secret.data or None,
                        domains=form.domain_list,
                        provider_verifies_email=form.provider_verifies_email.data,
                        passwords_allowed=form.passwords_allowed.data,
                    ),
                )
                db.session.commit()
                flash(_("Sign-on has been saved."), "success")
                return redirect(url_for("signon.settings"), 303)
    elif form.is_submitted():
        status = 400
    records = {
        claim.domain: (
            record_names(claim.domain),
            domain_record(sign_on, claim.domain, current_app.secret_key),
        )
        for claim in (sign_on.claims if sign_on else [])
    }
    return render_template(
        "signon/settings.html",
        form=form,
        sign_on=sign_on,
        records=records,
        redirect_uri=url_for("signon.callback", _external=True),
        secret_unreadable=sign_on is not None and decrypt(sign_on.secret_encrypted) is None,
        action_form=EmptyForm(),
    ), status


@bp.post("/school/sign-on/check-domains")
@role_required("coordinator")
def check():
    """Look up the DNS records of the coordinator's pending domains and approve those found."""
    sign_on = sign_on_of(current_user.school)
    if EmptyForm().validate_on_submit() and sign_on is not None:
        results = check_domains(
            sign_on, current_app.secret_key, current_app.config.get("SIGNON_DNS_NAMESERVER")
        )
        db.session.commit()
        for domain, result in results.items():
            category, message = CHECK_RESULTS[result]
            flash(message(domain), category)
    return redirect(url_for("signon.settings"), 303)


@bp.post("/school/sign-on/remove")
@role_required("coordinator")
def remove():
    """Switch sign-on off for the coordinator's school; passwords work again."""
    if EmptyForm().validate_on_submit() and (sign_on := sign_on_of(current_user.school)):
        db.session.delete(sign_on)
        db.session.commit()
        flash(_("Sign-on has been switched off."), "info")
    return redirect(url_for("signon.settings"), 303)


@bp.cli.command("configure")
@click.option("--school", "school_name", help="School name; created if new.")
@click.option(
    "--municipality", "municipality_name", help="Municipality name, for its leads; must exist."
)
@click.option("--issuer", required=True, help="Issuer URL (discovery at /.well-known/…).")
@click.option("--client-id", required=True)
@click.option("--domain", "domains", multiple=True, required=True, help="E-mail domain.")
@click.option("--provider-verifies-email", is_flag=True)
@click.option("--no-passwords", is_flag=True, help="Teachers (or leads) may only sign on.")
@click.password_option(
    "--client-secret", envvar="KLASGESPREK_CLIENT_SECRET", confirmation_prompt=False
)
def configure_command(
    school_name: str | None,
    municipality_name: str | None,
    issuer: str,
    client_id: str,
    domains: tuple[str, ...],
    provider_verifies_email: bool,
    no_passwords: bool,
    client_secret: str,
) -> None:
    """Set a school's sign-on provider (as the coordinator's page does), or a municipality's
    for its programme leads (there is no page for that)."""
    if (school_name is None) == (municipality_name is None):
        raise click.UsageError("give either --school or --municipality")
    domain_list = list(dict.fromkeys(d.strip().lower().lstrip("@") for d in domains))
    if wrong := [d for d in domain_list if not DOMAIN.match(d)]:
        raise click.BadParameter(f"not a domain name: {', '.join(wrong)}", param_hint="--domain")
    if public := [d for d in domain_list if is_public_mail_domain(d)]:
        raise click.BadParameter(
            f"a public mail provider: {', '.join(public)}", param_hint="--domain"
        )
    issuer = issuer.strip().rstrip("/")
    if issuer_unusable(issuer, private_issuers_allowed(current_app)):
        raise click.BadParameter(
            "an https:// address (http only with SIGNON_ALLOW_PRIVATE_ISSUERS)",
            param_hint="--issuer",
        )
    if municipality_name is not None:
        owner = municipality_named(municipality_name)
        if owner is None:
            raise click.ClickException(
                f"no municipality named {municipality_name!r}: the operator creates it first"
            )
    else:
        owner = get_or_create_school(school_name)
    if taken := domains_approved_elsewhere(owner, domain_list):
        raise click.ClickException(
            f"approved for another school or municipality: {', '.join(taken)}"
        )
    from . import client as oidc

    try:
        oidc.discover(issuer)
    except SignOnError as error:
        reason = str(error).removeprefix("discovery-")
        hint = " (SIGNON_ALLOW_PRIVATE_ISSUERS allows it)" if reason == "private" else ""
        raise click.ClickException(f"{issuer}: discovery refused: {reason}{hint}") from error
    sign_on = save_settings(
        owner,
        Settings(
            issuer=issuer,
            client_id=client_id,
            secret=client_secret,
            domains=domain_list,
            provider_verifies_email=provider_verifies_email,
            passwords_allowed=not no_passwords,
        ),
    )
    # The operator runs this command, and the operator is who approves domains.
    for domain in sign_on.domain_list:
        approve_domain(domain, "operator", owner)
    db.session.commit()
    click.echo(f"Sign-on for {owner.name}: {issuer} ({', '.join(domain_list)}, approved).")


@bp.cli.command("pending-domains")
def pending_domains_command() -> None:
    """List the domains schools (and municipalities) claim for sign-on not approved yet."""
    claims = pending_claims()
    for claim in claims:
        click.echo(f"{claim.domain}\t{claim.sign_on.owner_name}\t{claim.created_at:%Y-%m-%d}")
    if not claims:
        click.echo("No domains are waiting for approval.")


@bp.cli.command("approve-domain")
@click.argument("domain")
@click.option("--school", "school_name", help="The school, when several claim the domain.")
@click.option("--municipality", "municipality_name", help="Or the municipality claiming it.")
def approve_domain_command(
    domain: str, school_name: str | None, municipality_name: str | None
) -> None:
    """Approve a school's (or municipality's) claim of an e-mail domain; other claims of it are
    removed."""
    domain = domain.strip().lower().lstrip("@")
    if school_name is not None and municipality_name is not None:
        raise click.UsageError("give --school or --municipality, not both")
    owner = None
    if school_name is not None:
        owner = db.session.scalar(db.select(School).where(School.name == school_name))
        if owner is None:
            raise click.BadParameter(f"no school named {school_name!r}", param_hint="--school")
    if municipality_name is not None:
        owner = municipality_named(municipality_name)
        if owner is None:
            raise click.BadParameter(
                f"no municipality named {municipality_name!r}", param_hint="--municipality"
            )
    try:
        claim = approve_domain(domain, "operator", owner)
    except SignOnError as error:
        messages = {
            "not-claimed": f"no school claims {domain} (see `flask signon pending-domains`)",
            "several-claims": f"several schools claim {domain}: choose one with --school",
            "approved-elsewhere": f"{domain} is already approved for another school",
        }
        raise click.ClickException(messages[str(error)]) from error
    db.session.commit()
    click.echo(f"{domain} is approved for {claim.sign_on.owner_name}.")


@bp.cli.command("revoke-domain")
@click.argument("domain")
def revoke_domain_command(domain: str) -> None:
    """Take back the approval of an e-mail domain; its claim waits for approval again."""
    claim = revoke_domain(domain.strip().lower().lstrip("@"))
    if claim is None:
        raise click.ClickException(f"{domain} is not approved for any school or municipality")
    db.session.commit()
    click.echo(f"{claim.domain} is no longer approved for {claim.sign_on.owner_name}.")


@bp.cli.command("check-providers")
def check_providers_command() -> None:
    """Read the discovery document of every provider not checked yet (after an upgrade)."""
    from . import client as oidc

    failed = []
    for sign_on in unchecked_providers():
        try:
            oidc.discover(sign_on.issuer)
        except SignOnError as error:
            failed.append(f"{sign_on.owner_name}: {sign_on.issuer}: {error}")
            continue
        mark_checked(sign_on)
        click.echo(f"{sign_on.owner_name}: {sign_on.issuer} checked.")
    db.session.commit()
    if failed:
        raise click.ClickException(
            "not checked, the coordinator (or `flask signon configure`) saves again: "
            + "; ".join(failed)
        )
