"""Forms of sign-on: the teacher's address, the coordinator's provider settings."""

import re
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from .domains import is_public_mail_domain
from .services import private_issuers_allowed

DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def issuer_unusable(issuer: str, allow_private: bool) -> bool:
    """Whether an issuer URL is unusable: not https (http only with private issuers), or ?…."""
    try:
        parts = urlsplit(issuer)
        parts.port  # noqa: B018 - a port out of range raises here
    except ValueError:
        return True
    schemes = ("https", "http") if allow_private else ("https",)
    return parts.scheme not in schemes or not parts.hostname or bool(parts.query)


class StartForm(FlaskForm):
    """The teacher's e-mail address; its domain picks the school's provider."""

    email = EmailField(
        _l("Your e-mail address at school"),
        validators=[
            DataRequired(),
            Length(max=254),
            Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Type an e-mail address.")),
        ],
    )


class SettingsForm(FlaskForm):
    """A school's provider: issuer, client, domains and whether passwords stay."""

    issuer = StringField(
        _l("Issuer URL of the provider"), validators=[DataRequired(), Length(max=255)]
    )
    client_id = StringField(_l("Client id"), validators=[DataRequired(), Length(max=255)])
    client_secret = PasswordField(_l("Client secret"), validators=[Optional(), Length(max=1000)])
    domains = TextAreaField(
        _l("E-mail domains of the school, one per line"),
        validators=[DataRequired(), Length(max=1000)],
    )
    provider_verifies_email = BooleanField(
        _l("The provider verifies every e-mail address it sends (for example Entra ID)")
    )
    passwords_allowed = BooleanField(_l("Teachers may still log in with a password"))

    def validate_issuer(self, field) -> None:
        """HTTPS only; http too when private issuers are allowed (a provider for trying out)."""
        if issuer_unusable((field.data or "").strip(), private_issuers_allowed(current_app)):
            raise ValidationError(_l("Give the provider's https:// address, without ?…"))
        field.data = field.data.strip().rstrip("/")

    def validate_domains(self, field) -> None:
        """Each line a domain name such as school.nl, not a public mail provider's."""
        domains = [d.strip().lower().lstrip("@") for d in (field.data or "").split()]
        wrong = [d for d in domains if not DOMAIN.match(d)]
        if wrong or not domains:
            raise ValidationError(_l("Not a domain name: %(names)s", names=", ".join(wrong)))
        if public := [d for d in domains if is_public_mail_domain(d)]:
            raise ValidationError(
                _l(
                    "Public e-mail providers cannot be used for sign-on: %(names)s",
                    names=", ".join(public),
                )
            )
        field.data = "\n".join(dict.fromkeys(domains))

    @property
    def domain_list(self) -> list[str]:
        """The cleaned domains."""
        return [d for d in (self.domains.data or "").split() if d]
