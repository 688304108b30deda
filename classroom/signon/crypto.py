"""Encryption of client secrets with a key from the configuration (Fernet)."""

import base64
import hashlib

from flask import current_app


def _fernet():
    """SIGNON_ENCRYPTION_KEY when set, else a key derived from SECRET_KEY (docs/sign-on.md)."""
    # Imported on use: cryptography costs every worker memory that only sign-on needs.
    from cryptography.fernet import Fernet

    key = current_app.config.get("SIGNON_ENCRYPTION_KEY")
    if not key:
        digest = hashlib.sha256(b"klasgesprek-signon:" + current_app.secret_key.encode()).digest()
        key = base64.urlsafe_b64encode(digest)
    return Fernet(key)


def encrypt(secret: str) -> str:
    """Encrypt a client secret for storage."""
    return _fernet().encrypt(secret.encode()).decode()


def decrypt(token: str) -> str | None:
    """Decrypt a stored client secret; None when the key has changed since."""
    from cryptography.fernet import InvalidToken

    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return None
