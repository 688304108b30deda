"""Signals about staff accounts, so the packages above accounts can act on them.

A lower package sends, a higher one listens: coordination deactivates an account and
polls ends that account's lessons, without coordination importing polls (STYLE.md 11).
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: Sent with the `User` as sender when a staff account is deactivated, before the
#: caller commits: receivers change the same session, so it all commits at once.
account_deactivated = _signals.signal(
    "account-deactivated", doc="A staff account was deactivated (sender: the User)."
)

#: Sent with the `User` as sender when the account's owner asked "Forgot your password?"
#: and a reset link was made, before the caller commits (coordination logs it).
password_reset_requested = _signals.signal(
    "password-reset-requested",
    doc="A reset link was made at the owner's request (sender: the User).",
)

#: Sent with the `User` as sender when a reset link set a new password, before the commit.
password_reset_used = _signals.signal(
    "password-reset-used", doc="A reset link set the account's password (sender: the User)."
)
