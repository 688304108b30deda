"""The one owner of response rows: storing answers, releases, moderation, school figures.

Every view, export and command gets answers through this package, so the
anonymity rules (pseudonyms, k, releases, batches, no order of arrival) live
here; `tests/test_anonymity_over_time.py` checks that nothing else queries the
response table.
"""

from .figures import OptionResult, Results
from .moderation import Queue, QueuedAnswer, moderate, moderation_queue
from .releases import (
    Comparison,
    compare,
    pending_changes_of_run,
    release,
    results,
    run_results,
    word_cloud,
)
from .retention import delete_run_answers, forget_deleted, purge_run, runs_to_purge, seal
from .school import (
    SchoolComparison,
    SchoolFigure,
    SchoolQuestion,
    refresh_school_release,
    school_comparisons,
    school_results,
)
from .storing import (
    COUNT_AT,
    InvalidAnswer,
    answer_of,
    count_answers,
    count_answers_at,
    count_answers_per_question,
    min_answers,
    pseudonym,
    store_answer,
    validate_answer,
)
from .tally import TallyError, hands_allowed, max_slips, store_tally, tally_allowed

__all__ = [
    "COUNT_AT",
    "Comparison",
    "InvalidAnswer",
    "OptionResult",
    "Queue",
    "QueuedAnswer",
    "Results",
    "SchoolComparison",
    "SchoolFigure",
    "SchoolQuestion",
    "TallyError",
    "answer_of",
    "compare",
    "count_answers",
    "count_answers_at",
    "count_answers_per_question",
    "delete_run_answers",
    "forget_deleted",
    "hands_allowed",
    "max_slips",
    "min_answers",
    "moderate",
    "moderation_queue",
    "pending_changes_of_run",
    "pseudonym",
    "purge_run",
    "refresh_school_release",
    "release",
    "results",
    "run_results",
    "runs_to_purge",
    "school_comparisons",
    "school_results",
    "seal",
    "store_answer",
    "store_tally",
    "tally_allowed",
    "validate_answer",
    "word_cloud",
]
