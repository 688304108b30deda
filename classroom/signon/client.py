"""The OpenID Connect client of a school, built on Authlib's Flask client.

Authlib does the authorisation code flow with PKCE (S256), `state` and `nonce`, checks the
ID token's signature against the provider's JWKS (cached with the discovery document, fetched
again on an unknown key id), its issuer, audience and expiry.
"""

import hashlib
import time
from urllib.parse import urlencode

import requests
from authlib.integrations.flask_client import OAuth
from authlib.integrations.flask_client.apps import FlaskOAuth2App
from flask import Flask, current_app

from .crypto import decrypt
from .models import SignOn

SCOPE = "openid email profile"
# Seconds to wait for the provider before telling the teacher it cannot be reached.
TIMEOUT = 5
# Seconds of clock difference allowed between this server and the provider.
LEEWAY = 60
# The discovery document (with the key set) is read again after this many seconds.
METADATA_MAX_AGE = 24 * 3600


def init_app(app: Flask) -> None:
    """Give the app its own registry of provider clients."""
    app.extensions["signon.oauth"] = OAuth(app)


def client_for(sign_on: SignOn) -> FlaskOAuth2App:
    """The school's client; a new one (with fresh discovery and keys) when its settings change."""
    oauth: OAuth = current_app.extensions["signon.oauth"]
    fingerprint = hashlib.sha256(
        f"{sign_on.issuer}\n{sign_on.client_id}\n{sign_on.secret_encrypted}".encode()
    ).hexdigest()[:16]
    name = f"school-{sign_on.school_id}-{fingerprint}"
    client = oauth.create_client(name)
    if client is not None:
        loaded_at = client.server_metadata.get("_loaded_at", time.time())
        if time.time() - loaded_at > METADATA_MAX_AGE:
            client.server_metadata.clear()
    else:
        client = oauth.register(
            name,
            client_id=sign_on.client_id,
            client_secret=decrypt(sign_on.secret_encrypted) or "",
            server_metadata_url=f"{sign_on.issuer}/.well-known/openid-configuration",
            client_kwargs={
                "scope": SCOPE,
                "code_challenge_method": "S256",
                "default_timeout": TIMEOUT,
            },
        )
    return client


def end_session_url(sign_on: SignOn) -> str | None:
    """The provider's logout page, when its discovery document names one."""
    try:
        metadata = client_for(sign_on).load_server_metadata()
    except (requests.RequestException, ValueError):  # unreachable: simply no link
        return None
    url = metadata.get("end_session_endpoint")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        return None
    return f"{url}?{urlencode({'client_id': sign_on.client_id})}"
