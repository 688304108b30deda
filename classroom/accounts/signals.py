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
