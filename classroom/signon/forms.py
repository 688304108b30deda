"""Forms of sign-on: the teacher's address, the coordinator's provider settings."""

import re
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
LOOPBACK = ("127.0.0.1", "localhost", "[::1]", "::1")


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
        """HTTPS only, except a provider on this machine (for trying it out)."""
        parts = urlsplit((field.data or "").strip())
        local = parts.scheme == "http" and parts.hostname in LOOPBACK
        if not (parts.scheme == "https" or local) or not parts.hostname or parts.query:
            raise ValidationError(_l("Give the provider's https:// address, without ?…"))
        field.data = field.data.strip().rstrip("/")

    def validate_domains(self, field) -> None:
        """Each line a domain name such as school.nl."""
        domains = [d.strip().lower().lstrip("@") for d in (field.data or "").split()]
        wrong = [d for d in domains if not DOMAIN.match(d)]
        if wrong or not domains:
            raise ValidationError(_l("Not a domain name: %(names)s", names=", ".join(wrong)))
        field.data = "\n".join(dict.fromkeys(domains))

    @property
    def domain_list(self) -> list[str]:
        """The cleaned domains."""
        return [d for d in (self.domains.data or "").split() if d]
