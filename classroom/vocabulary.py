"""The words the app stores and checks against, each defined here once.

The bottom layer: it imports nothing from `classroom`, so every package may
import it. A list here is the order the app shows (and the lesson checks
name) its words in; the interface names live in `lessons.labels`.
"""

from __future__ import annotations

# Languages of the interface and of the lessons; the first is the default.
LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = LANGUAGES[0]

# Kinds of question; each is one class in `classroom.questions`, in this order.
QUESTION_TYPES = ("single", "multiple", "scale", "text", "ranking", "estimate")

# How a class answers: a device each, one shared device (booth), paper slips, hands up.
ANSWER_MODES = ("devices", "booth", "paper", "hands")
# The answer modes whose answers the teacher types in from a count.
TALLY_MODES = ("paper", "hands")
# The two ways of answering on a screen, which a question is opened for (`answered_by`).
SCREEN_MODES = ("devices", "booth")

# A question of a run: ready -> open -> closed; or skipped by the teacher.
QUESTION_STATUSES = ("ready", "open", "closed", "skipped")
# The questions that were asked: their answers may be counted and released.
ASKED_STATUSES = ("open", "closed")

# How a question's answers were counted by hand: "hand" (paper slips) or "hands" (hands up).
COUNTED_BY = ("hand", "hands")

# An open answer: pending until the teacher approves or hides it.
MODERATION_STATUSES = ("pending", "approved", "hidden")
# What the teacher may decide about a pending answer.
MODERATION_DECISIONS = ("approved", "hidden")

# An assignment of a module to a class (`coordination.models.Assignment.status`).
ASSIGNMENT_STATUSES = ("planned", "overdue", "done", "paused")
# A class and module in the school's overview: an assignment's status, a lesson running
# now, a module the class did without an assignment, or nothing ("").
OVERVIEW_STATUSES = (*ASSIGNMENT_STATUSES, "running", "own-choice", "")
