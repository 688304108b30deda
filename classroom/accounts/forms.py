"""Forms for staff accounts."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp, ValidationError

from .passwords import password_problem


class LoginForm(FlaskForm):
    """E-mail address and password of a staff member."""

    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])


class ForgotPasswordForm(FlaskForm):
    """The address to which a reset link goes, if it is an account's."""

    email = EmailField(
        _l("E-mail address"),
        validators=[
            DataRequired(),
            Length(max=254),
            # Any address an account may have: whether one has it is not the form's to say.
            Regexp(r"^[^@\s]+@[^@\s]+$", message=_l("Type an e-mail address.")),
        ],
    )


class EmptyForm(FlaskForm):
    """A form with only a CSRF token, for one-button actions such as logout."""


class NewPasswordForm(FlaskForm):
    """A new password, typed twice."""

    password = PasswordField(_l("New password"), validators=[DataRequired()])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )

    def validate_password(self, field) -> None:
        """Refuse short, overlong and common passwords."""
        if problem := password_problem(field.data or ""):
            raise ValidationError(problem)


class ChangePasswordForm(NewPasswordForm):
    """The current password, then a new one."""

    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=1024)])
