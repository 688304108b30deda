"""The ticket in the QR code's join link: proof that a phone read the code off the projector.

The wrong-code limit never refuses a link with a valid ticket (docs/join-codes.md). A guesser
cannot make the ticket of a code it does not know, so the exemption tells it nothing.
"""

import base64
import functools
import hashlib
import hmac

from flask import current_app

# 48 bits: a ticket cannot be guessed, and the QR code stays small.
TICKET_BYTES = 6


def ticket(code: str) -> str:
    """The ticket of a normalised join code, for the link in the projector's QR code."""
    digest = hmac.new(_key(current_app.secret_key), code.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:TICKET_BYTES]).decode()


def is_valid(code: str | None, given: str | None) -> bool:
    """Whether `given` is the ticket of this normalised code."""
    if not code or not given:
        return False
    return hmac.compare_digest(ticket(code), given)


@functools.lru_cache(maxsize=4)
def _key(secret_key: str | bytes) -> bytes:
    secret = secret_key.encode() if isinstance(secret_key, str) else secret_key
    return hmac.new(secret, b"klasgesprek join ticket", hashlib.sha256).digest()
