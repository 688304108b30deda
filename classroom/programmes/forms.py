"""Forms of the operator's and the programme lead's pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, EmailField, IntegerField, SelectField, StringField
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    ValidationError,
)

from ..fields import CheckboxListField
from ..timeutil import now_utc
from .models import DEFAULT_PROGRAMME_K, MIN_PROGRAMME_K

# No programme needs more answers than a municipal event of 10,000 students gives.
MAX_PROGRAMME_K = 10_000


class MunicipalityForm(FlaskForm):
    """The name of a new municipality or region."""

    name = StringField(
        _l("Name of the municipality or region"), validators=[DataRequired(), Length(max=120)]
    )


class LeadForm(FlaskForm):
    """Name and e-mail address of a new programme lead; the lead chooses a password by mail."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(), Length(max=254), Email(check_deliverability=False)],
    )


class InviteForm(FlaskForm):
    """Schools to invite to a programme."""

    schools = CheckboxListField(
        _l("Schools to invite"),
        coerce=int,
        validators=[InputRequired(_l("Choose at least one school."))],
    )


class ProgrammeForm(InviteForm):
    """A new programme: a name, a library module or a zip, a period, its k and the schools."""

    name = StringField(_l("Name of the programme"), validators=[DataRequired(), Length(max=160)])
    # Exactly one of the two: a module of the library, or the lead's own as a zip.
    module = SelectField(_l("Module"))
    archive = FileField(_l("Or a module of your own, as a zip"))
    starts_on = DateField(_l("Starts on"), validators=[InputRequired()])
    ends_on = DateField(_l("Ends on"), validators=[InputRequired()])
    min_answers = IntegerField(
        _l("Programme k: the fewest answers before a programme figure shows"),
        default=DEFAULT_PROGRAMME_K,
        validators=[
            InputRequired(),
            NumberRange(
                MIN_PROGRAMME_K,
                MAX_PROGRAMME_K,
                message=_l("Choose a number from %(min)s to %(max)s."),
            ),
        ],
    )

    def validate_module(self, field: SelectField) -> None:
        """A library module or a zip, not both and not neither."""
        if field.data and self.archive.data:
            raise ValidationError(_l("Choose a library module or a zip, not both."))
        if not field.data and not self.archive.data:
            raise ValidationError(_l("Choose a library module or add a zip of your own."))

    def validate_ends_on(self, field: DateField) -> None:
        """The end lies after the start and not in the past."""
        if field.data is None:
            return
        if self.starts_on.data is not None and field.data <= self.starts_on.data:
            raise ValidationError(_l("The end date must lie after the start date."))
        if field.data < now_utc().date():
            raise ValidationError(_l("The end date lies in the past."))
