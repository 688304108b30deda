"""The mails staff get about their account: invitations, reset links and notices."""

from __future__ import annotations

from flask import url_for
from flask_mailman import EmailMessage

from ..mail import compose
from .models import Invitation, User


def invitation_mail(invitation: Invitation, token: str, invited_by: User) -> EmailMessage:
    """The invitation link for the invited address, in the app's default language."""
    return compose(
        invitation.email,
        "accounts/mail/invitation.txt",
        invitation=invitation,
        invited_by=invited_by,
        link=url_for("accounts.accept_invitation", token=token, _external=True),
    )


def reset_mail(
    email: str, name: str, token: str, language: str | None = None, sent_by: User | None = None
) -> EmailMessage:
    """A single-use reset link for the account's own address; `sent_by` a coordinator."""
    return compose(
        email,
        "accounts/mail/reset.txt",
        language,
        name=name,
        sent_by=sent_by,
        link=url_for("accounts.reset_password", token=token, _external=True),
        forgot=url_for("accounts.forgot_password", _external=True),
    )


def sign_on_only_mail(user: User, language: str | None = None) -> EmailMessage:
    """For a reset asked where the school allows its school accounts only: no link, the way in."""
    return compose(
        user.email,
        "accounts/mail/sign_on_only.txt",
        language,
        name=user.name,
        login=url_for("accounts.login", _external=True),
        municipality=user.school_id is None,
    )


def password_changed_mail(user: User, language: str | None = None) -> EmailMessage:
    """The notice that the account's password was changed, to its own address."""
    return compose(
        user.email,
        "accounts/mail/password_changed.txt",
        language,
        name=user.name,
        forgot=url_for("accounts.forgot_password", _external=True),
    )


def new_account_mail(
    user: User, token: str, organisation: str, language: str | None = None
) -> EmailMessage:
    """The link with which a new account without a school (a programme lead) sets a password."""
    return compose(
        user.email,
        "accounts/mail/new_account.txt",
        language,
        name=user.name,
        organisation=organisation,
        link=url_for("accounts.reset_password", token=token, _external=True),
        forgot=url_for("accounts.forgot_password", _external=True),
    )
