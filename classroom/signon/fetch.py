"""The one way this app reaches a sign-on provider: https, public addresses, no redirects.

Every request to a provider (discovery document, key set, token) goes through
`GuardedAdapter`. It resolves the host once, refuses private, loopback, link-local,
multicast, reserved and other non-public addresses (IPv4 and IPv6, also inside IPv6
forms such as ::ffff:10.0.0.1) unless private issuers are allowed, and then connects to
the address it checked: the host name goes in the Host header, the TLS server name (SNI)
and the certificate check, so a second DNS answer cannot send the request elsewhere.
A redirect is refused, not followed; every request has a short timeout; no proxy from the
environment is used (it would make the connection instead of us).
"""

import ipaddress
import socket
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

# Seconds to wait for a provider (connecting, and between bytes of its answer).
TIMEOUT = 5
DEFAULT_PORTS = {"https": 443, "http": 80}
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class FetchRefused(requests.RequestException):
    """The guard would not fetch this address; `reason` is 'scheme', 'private',
    'unknown-host' or 'redirect'."""

    def __init__(self, reason: str, url: str) -> None:
        super().__init__(f"{reason}: {url}")
        self.reason = reason


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether an address is on the public internet (not private, local or reserved)."""
    embedded = []
    if isinstance(address, ipaddress.IPv6Address):
        # An IPv4 address written as IPv6 (::ffff:a.b.c.d, NAT64) is that IPv4 address.
        if address.ipv4_mapped:
            return is_public(address.ipv4_mapped)
        if address in NAT64:
            return is_public(ipaddress.IPv4Address(address.packed[12:]))
        if address.sixtofour:
            embedded.append(address.sixtofour)
        if address.teredo:
            embedded.append(address.teredo[1])
    return all(
        a.is_global
        and not (
            a.is_private
            or a.is_loopback
            or a.is_link_local
            or a.is_multicast
            or a.is_reserved
            or a.is_unspecified
        )
        for a in [address, *embedded]
    )


def scheme_allowed(url: str, allow_private: bool) -> bool:
    """https, or http when private issuers are allowed (then only to a private address)."""
    try:
        parts = urlsplit(url)
    except ValueError:  # a broken IPv6 address
        return False
    return parts.scheme in (("https", "http") if allow_private else ("https",))


def checked_address(url: str, allow_private: bool) -> str:
    """The address to connect to for this URL, after the guard's checks; raises FetchRefused."""
    try:
        parts = urlsplit(url)
        port = parts.port or DEFAULT_PORTS.get(parts.scheme, 0)
    except ValueError as error:  # a port out of range, a broken IPv6 address
        raise FetchRefused("scheme", url) from error
    if not scheme_allowed(url, allow_private) or not parts.hostname:
        raise FetchRefused("scheme", url)
    try:
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise FetchRefused("unknown-host", url) from error
    # Every address the name has must pass, so which one is used does not matter.
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in found]
    if not addresses:
        raise FetchRefused("unknown-host", url)
    public = [is_public(a) for a in addresses]
    if not allow_private and not all(public):
        raise FetchRefused("private", url)
    if parts.scheme == "http" and any(public):  # plain http never crosses the internet
        raise FetchRefused("scheme", url)
    return str(addresses[0])


class GuardedAdapter(HTTPAdapter):
    """A requests adapter that only fetches what `checked_address` allows, from that address."""

    def __init__(self, allow_private: bool, timeout: float = TIMEOUT) -> None:
        super().__init__(max_retries=0)
        self.allow_private = allow_private
        self.timeout = timeout

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        """Connect to the checked address; keep the host name for Host, SNI and certificate."""
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(
            request, verify, cert
        )
        parts = urlsplit(request.url)
        address = checked_address(request.url, self.allow_private)
        request.headers["Host"] = parts.netloc.rpartition("@")[2]
        if parts.scheme == "https":
            pool_kwargs["server_hostname"] = parts.hostname
            pool_kwargs["assert_hostname"] = parts.hostname
        host_params["host"] = address
        return host_params, pool_kwargs

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        """Send with the guard's timeout; a redirect is refused, not followed."""
        response = super().send(
            request, stream=stream, timeout=self.timeout, verify=verify, cert=cert, proxies=None
        )
        if response.is_redirect or 300 <= response.status_code < 400:
            response.close()
            raise FetchRefused("redirect", request.url)
        return response


def guard(session: requests.Session, allow_private: bool) -> requests.Session:
    """Make every request of this session go through the guard; returns the session."""
    session.trust_env = False
    session.proxies.clear()
    session.max_redirects = 0
    adapter = GuardedAdapter(allow_private)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def guarded_get(url: str, allow_private: bool, verify: bool | str = True) -> requests.Response:
    """GET one URL through the guard; raises FetchRefused or another RequestException."""
    with guard(requests.Session(), allow_private) as session:
        return session.get(url, headers={"Accept": "application/json"}, verify=verify)
