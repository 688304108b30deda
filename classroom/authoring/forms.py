"""Forms of the authoring pages: the guided start and the import of a zip."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import RadioField, SelectChoice, StringField
from wtforms.validators import InputRequired, Length, Optional

KIND_CHOICES = [
    SelectChoice("play", _l("a play")),
    SelectChoice("film", _l("a film")),
    SelectChoice("book", _l("a book")),
    SelectChoice("excursion", _l("an excursion")),
    SelectChoice("news", _l("a news event")),
]
LANGUAGE_CHOICES = [
    SelectChoice("nl", _l("Dutch")),
    SelectChoice("en", _l("English")),
    SelectChoice("both", _l("Dutch and English")),
]


class GuidedStartForm(FlaskForm):
    """'I'm taking my class to …': the kind of piece, its name and the languages."""

    kind = RadioField(_l("I'm taking my class to …"), choices=KIND_CHOICES,
                      validators=[InputRequired()])  # fmt: skip
    name = StringField(_l("Its name (optional)"), validators=[Optional(), Length(max=60)])
    languages = RadioField(_l("Languages of the module"), choices=LANGUAGE_CHOICES,
                           default="nl", validators=[InputRequired()])  # fmt: skip


class ImportForm(FlaskForm):
    """A module as a zip in the lessons/ folder format."""

    archive = FileField(_l("Zip file of a module"), validators=[FileRequired()])
