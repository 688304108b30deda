"""A module's printable pack: the lesson in one language with its handouts and paper slips.

The library's, an own module's and a running lesson's pack pages all print it this way.
"""

from flask import abort, render_template
from flask_babel import force_locale

from .content import Module


def render_pack(module: Module | None, language: str, back_url: str | None = None) -> str:
    """A module's pack in one language (404 without that language), for the printer.

    `back_url` is where its link leads back to; by default the module's page.
    """
    if module is None or language not in module.texts:
        abort(404)
    # The pack is printed for the class, so it speaks the pack's language, not the teacher's.
    with force_locale(language):
        return render_template(
            "lessons/pack.html",
            lesson=module.texts[language],
            handouts=module.packs.get(language, ()),
            current_language=language,
            back_url=back_url,
        )
