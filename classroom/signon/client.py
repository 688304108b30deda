"""The OpenID Connect client of a school or a municipality, built on Authlib's Flask client.

Authlib does the authorisation code flow with PKCE (S256), `state` and `nonce`, checks the
ID token's signature against the provider's JWKS (cached with the discovery document, fetched
again on an unknown key id), its issuer, audience and expiry.

Only this module talks to a provider, every request through the guard of `fetch.py` (https,
public addresses, no redirects, a short timeout), and the views import it only when someone
signs on or saves settings: Authlib, requests and cryptography would cost every worker about
16 MiB it rarely needs.
"""

import hashlib
import time
from urllib.parse import urlencode

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from authlib.integrations.flask_client.apps import FlaskOAuth2App
from authlib.integrations.requests_client import OAuth2Session
from flask import current_app
from joserfc.errors import JoseError

from .crypto import decrypt
from .fetch import TIMEOUT, FetchRefused, guard, guarded_get, scheme_allowed
from .models import SignOn
from .services import SignOnError, private_issuers_allowed

SCOPE = "openid email profile"
# Seconds of clock difference allowed between this server and the provider.
LEEWAY = 60
# The discovery document (with the key set) is read again after this many seconds.
METADATA_MAX_AGE = 24 * 3600


class GuardedSession(OAuth2Session):
    """Authlib's requests session with every request (discovery, keys, token) guarded."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        guard(self, private_issuers_allowed(current_app))


class GuardedApp(FlaskOAuth2App):
    """Authlib's Flask client using `GuardedSession` for every request to the provider."""

    client_cls = GuardedSession


def discover(issuer: str) -> dict:
    """Read and check the issuer's discovery document, for saving a school's settings.

    Raises SignOnError 'discovery-<reason>': scheme, private, unknown-host, redirect,
    unreachable, invalid or issuer.
    """
    allow_private = private_issuers_allowed(current_app)
    try:
        response = guarded_get(f"{issuer}/.well-known/openid-configuration", allow_private)
        response.raise_for_status()
        document = response.json()
    except FetchRefused as error:
        raise SignOnError(f"discovery-{error.reason}") from error
    except (requests.RequestException, ValueError) as error:
        raise SignOnError("discovery-unreachable") from error
    if not isinstance(document, dict):
        raise SignOnError("discovery-invalid")
    if str(document.get("issuer", "")).rstrip("/") != issuer:
        raise SignOnError("discovery-issuer")
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        url = document.get(key)
        if not isinstance(url, str) or not scheme_allowed(url, allow_private):
            raise SignOnError("discovery-invalid")
    return document


def client_for(sign_on: SignOn) -> FlaskOAuth2App:
    """The owner's client; a new one (with fresh discovery and keys) when its settings change."""
    extensions = current_app.extensions
    oauth: OAuth = extensions.get("signon.oauth") or extensions.setdefault(
        "signon.oauth", OAuth(current_app._get_current_object())
    )
    fingerprint = hashlib.sha256(
        f"{sign_on.issuer}\n{sign_on.client_id}\n{sign_on.secret_encrypted}".encode()
    ).hexdigest()[:16]
    name = f"{sign_on.owner_key}-{fingerprint}"
    client = oauth.create_client(name)
    if client is not None:
        loaded_at = client.server_metadata.get("_loaded_at", time.time())
        if time.time() - loaded_at > METADATA_MAX_AGE:
            client.server_metadata.clear()
    else:
        client = oauth.register(
            name,
            client_cls=GuardedApp,
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
    if not isinstance(url, str) or not scheme_allowed(url, private_issuers_allowed(current_app)):
        return None
    return f"{url}?{urlencode({'client_id': sign_on.client_id})}"


def authorize_url(sign_on: SignOn, callback_url: str, email: str) -> str:
    """Where to send the teacher: the provider's login page for this attempt.

    Authlib keeps the attempt's `state`, `nonce` and PKCE verifier in the session.
    Raises SignOnError "unreachable" or "failed" (a provider claiming another issuer).
    """
    client = client_for(sign_on)
    allow_private = private_issuers_allowed(current_app)
    try:
        metadata = client.load_server_metadata()
        if str(metadata.get("issuer", "")).rstrip("/") != sign_on.issuer:
            current_app.logger.warning("sign-on: issuer of %s differs", sign_on.owner_key)
            raise SignOnError("failed")
        endpoint = metadata.get("authorization_endpoint")
        if not isinstance(endpoint, str) or not scheme_allowed(endpoint, allow_private):
            current_app.logger.warning("sign-on: login page of %s", sign_on.owner_key)
            raise SignOnError("failed")
        return client.authorize_redirect(callback_url, login_hint=email).location
    except FetchRefused as error:
        current_app.logger.warning("sign-on: %s refused: %s", sign_on.owner_key, error)
        raise SignOnError("unreachable") from error
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
    except FetchRefused as error:
        current_app.logger.warning("sign-on: %s refused: %s", sign_on.owner_key, error)
        raise SignOnError("unreachable") from error
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
