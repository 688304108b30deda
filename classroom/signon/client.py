"""The OpenID Connect client of a school, built on Authlib's Flask client.

Authlib does the authorisation code flow with PKCE (S256), `state` and `nonce`, checks the
ID token's signature against the provider's JWKS (cached with the discovery document, fetched
again on an unknown key id), its issuer, audience and expiry.

Only this module talks to a provider, and the views import it only when a teacher signs on:
Authlib, requests and cryptography would cost every worker about 16 MiB it rarely needs.
"""

import hashlib
import time
from urllib.parse import urlencode

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from authlib.integrations.flask_client.apps import FlaskOAuth2App
from flask import current_app
from joserfc.errors import JoseError

from .crypto import decrypt
from .models import SignOn
from .services import SignOnError

SCOPE = "openid email profile"
# Seconds to wait for the provider before telling the teacher it cannot be reached.
TIMEOUT = 5
# Seconds of clock difference allowed between this server and the provider.
LEEWAY = 60
# The discovery document (with the key set) is read again after this many seconds.
METADATA_MAX_AGE = 24 * 3600


def client_for(sign_on: SignOn) -> FlaskOAuth2App:
    """The school's client; a new one (with fresh discovery and keys) when its settings change."""
    extensions = current_app.extensions
    oauth: OAuth = extensions.get("signon.oauth") or extensions.setdefault(
        "signon.oauth", OAuth(current_app._get_current_object())
    )
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


def authorize_url(sign_on: SignOn, callback_url: str, email: str) -> str:
    """Where to send the teacher: the provider's login page for this attempt.

    Authlib keeps the attempt's `state`, `nonce` and PKCE verifier in the session.
    Raises SignOnError "unreachable" or "failed" (a provider claiming another issuer).
    """
    client = client_for(sign_on)
    try:
        metadata = client.load_server_metadata()
        if str(metadata.get("issuer", "")).rstrip("/") != sign_on.issuer:
            current_app.logger.warning("sign-on: issuer of school %s differs", sign_on.school_id)
            raise SignOnError("failed")
        return client.authorize_redirect(callback_url, login_hint=email).location
    except (requests.RequestException, ValueError) as error:
        raise SignOnError("unreachable") from error


def verified_claims(sign_on: SignOn) -> dict:
    """The ID token's claims of the provider's answer on this request, checked by Authlib.

    Raises SignOnError "unreachable", "cancelled" or "failed".
    """
    claims_options = {"iss": {"essential": True, "values": [sign_on.issuer]}}
    try:
        token = client_for(sign_on).authorize_access_token(
            claims_options=claims_options, leeway=LEEWAY
        )
    except requests.RequestException as error:
        raise SignOnError("unreachable") from error
    except OAuthError as error:
        current_app.logger.warning("sign-on refused: %s", error.error)
        raise SignOnError("cancelled" if error.error == "access_denied" else "failed") from error
    except (JoseError, ValueError, KeyError, RuntimeError) as error:
        current_app.logger.warning("sign-on token refused: %s %s", type(error).__name__, error)
        raise SignOnError("failed") from error
    claims = token.get("userinfo")
    if not claims:
        raise SignOnError("failed")
    return dict(claims)
