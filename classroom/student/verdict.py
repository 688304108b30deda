"""Whether a student's own answer was the right one, worked out for their phone only."""

from ..polls.models import Question


def own_verdict(question: Question, own: tuple[int | None, str | None] | None) -> str | None:
    """Return "right" or "wrong" for the phone's own answer to a question with a right answer.

    Nothing is stored: the view compares the answer the phone gave (read through
    `answers.answer_of`) with `question.correct` on the phone's own request.
    None when the phone did not answer or the question has no right answer.
    """
    if own is None or own[0] is None or question.correct is None:
        return None
    return question.kind.verdict(own[0], question.correct)
