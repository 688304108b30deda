"""Ranking questions: put every option in order; stored as one packed integer."""

from __future__ import annotations

import random
from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired

from .base import FILLED_IN, WHOLE_NUMBER, QuestionType, Stored, TallyError, Wording
from .choice import check_options

# A ranking is stored as one integer: the option at place p sits in bits 3p..3p+2.
RANK_BITS = 3
MAX_RANKED = 6


def encode_ranking(order: list[int]) -> int:
    """Pack option indexes, first place first, into one integer."""
    return sum(index << (RANK_BITS * place) for place, index in enumerate(order))


def decode_ranking(value: int, option_count: int) -> list[int] | None:
    """Unpack a ranking; None unless it orders every option exactly once."""
    if value < 0 or value >= 1 << (RANK_BITS * option_count):
        return None
    order = [(value >> (RANK_BITS * place)) & 0b111 for place in range(option_count)]
    return order if sorted(order) == list(range(option_count)) else None


class Ranking(QuestionType):
    """Give every option a place; results show each option's average place."""

    name = "ranking"
    label = _l("Put in order")
    template = "questions/ranking.html"
    has_options = True
    max_options = MAX_RANKED
    wording_fields = ("options",)
    own_fields = ("options",)
    own_tally_page = _l(
        "A ranking gives every item a place: count it item by place on its own page."
    )
    phone_script = "js/ranking.js"

    def answer_fields(self, wording: Wording, text_limit: int) -> dict[str, Any]:
        """A place select per option, named place_0, place_1…"""
        options = wording["options"]
        places = [SelectChoice(place, str(place)) for place in range(1, len(options) + 1)]
        return {
            f"place_{index}": SelectField(
                option, choices=places, coerce=int, validators=[InputRequired()]
            )
            for index, option in enumerate(options)
        }

    def check_answer_form(self, form) -> bool:
        """Refuse two options on the same place."""
        fields = form.place_fields()
        places = [field.data for field in fields]
        if sorted(places) != list(range(1, len(places) + 1)):
            fields[0].errors.append(_l("Give every place exactly once."))
            return False
        return True

    def form_value(self, form) -> Stored:
        """The options ordered by the places given, packed."""
        places = [field.data for field in form.place_fields()]
        order = sorted(range(len(places)), key=lambda index: places[index])
        return encode_ranking(order), None

    def initial_data(self, wording: Wording) -> dict[str, Any]:
        """The options' own order (places 1, 2, 3…): a ranking never starts invalid."""
        return {f"place_{index}": index + 1 for index in range(self.option_count(wording))}

    def accepts_value(self, value: int, wording: Wording) -> bool:
        """Every option exactly once."""
        return decode_ranking(value, self.option_count(wording)) is not None

    def example_answer(self, chance: random.Random, wording: Wording) -> Stored:
        """The options in a random order."""
        order = list(range(self.option_count(wording)))
        chance.shuffle(order)
        return encode_ranking(order), None

    def figures(
        self,
        values: Iterable[tuple[int, int]],
        total: int,
        wording: Wording,
        *,
        correct: int | None = None,
        counted_by: str | None = None,
    ) -> dict[str, Any]:
        """How often each option came first ("counts"), and its average place."""
        size = self.option_count(wording)
        place_sums, first = [0] * size, [0] * size
        for value, count in values:
            order = decode_ranking(value, size) or []
            for place, index in enumerate(order):
                place_sums[index] += (place + 1) * count
            if order:
                first[order[0]] += count
        return {"counts": first, "places": [place_sum / total for place_sum in place_sums]}

    def tally_fields(self, wording: Wording) -> dict[str, Any]:
        """A count per option and place, named place_<option>_<place>."""
        size = len(wording["options"])
        rows = [[f"place_{option}_{place}" for place in range(size)] for option in range(size)]
        fields: dict[str, Any] = {
            name: StringField(validators=[FILLED_IN, WHOLE_NUMBER]) for row in rows for name in row
        }
        fields["place_names"] = rows
        return fields

    def tally_data(self, form) -> dict[str, Any]:
        """Per option, the count of each place."""
        return {"places": [[int(form[name].data) for name in row] for row in form.place_names]}

    def slip_values(
        self, slips: int, data: dict[str, Any], wording: Wording, text_limit: int
    ) -> list[Stored]:
        """Orders, one per slip, that give exactly these counts of each option at each place.

        Every option has a place on every slip and every place an option, so each
        row and each column adds up to the number of slips; such a table always
        splits into that many orders (Birkhoff), found one matching at a time.
        """
        size = self.option_count(wording)
        places = data.get("places")
        if (
            places is None
            or len(places) != size
            or any(len(row) != size or any(c < 0 for c in row) for row in places)
        ):
            raise TallyError("count")
        if any(sum(row) != slips for row in places) or any(
            sum(row[place] for row in places) != slips for place in range(size)
        ):
            raise TallyError("ranking_sums")
        left = [list(row) for row in places]
        orders: list[list[int]] = []
        while len(orders) < slips:
            place_of = _matching(left)
            order = [0] * size
            for option, place in enumerate(place_of):
                order[place] = option
            times = min(left[option][place] for option, place in enumerate(place_of))
            for option, place in enumerate(place_of):
                left[option][place] -= times
            orders += [order] * times
        return [(encode_ranking(order), None) for order in orders]

    def check_own(self, form) -> bool:
        """2 to 6 different options."""
        return check_options(form, self.max_options)

    def own_wording(self, form) -> Wording:
        """The option lines."""
        return {**super().own_wording(form), "options": form.option_list()}


def _matching(table: list[list[int]]) -> list[int]:
    """A place for every option where the table still has a count (Kuhn's algorithm)."""
    size = len(table)
    option_at: list[int | None] = [None] * size

    def assign(option: int, seen: set[int]) -> bool:
        for place in range(size):
            if table[option][place] > 0 and place not in seen:
                seen.add(place)
                if option_at[place] is None or assign(option_at[place], seen):
                    option_at[place] = option
                    return True
        return False

    for option in range(size):
        if not assign(option, set()):
            raise TallyError("ranking_sums")
    place_of = [0] * size
    for place, option in enumerate(option_at):
        place_of[option] = place
    return place_of
