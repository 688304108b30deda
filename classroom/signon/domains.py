"""Which e-mail domains a school (or a municipality) can show to be its own: public providers,
DNS TXT records."""

import hashlib
import hmac
import re

# Addresses anyone can get: no school can prove these are its own, so they are refused.
PUBLIC_MAIL_DOMAINS = frozenset(
    """
    gmail.com googlemail.com outlook.com hotmail.com live.com msn.com passport.com
    yahoo.com ymail.com rocketmail.com icloud.com me.com mac.com aol.com aim.com
    proton.me protonmail.com protonmail.ch pm.me tutanota.com tutanota.de tuta.io tuta.com
    mail.com email.com zoho.com zohomail.eu yandex.com yandex.ru mail.ru fastmail.com
    hey.com web.de t-online.de freenet.de orange.fr free.fr laposte.net libero.it
    ziggo.nl kpnmail.nl kpnplanet.nl planet.nl hetnet.nl home.nl xs4all.nl chello.nl
    casema.nl quicknet.nl upcmail.nl tele2.nl online.nl zeelandnet.nl telfort.nl caiway.nl
    kabelfoon.nl solcon.nl onsbrabantnet.nl hccnet.nl wxs.nl versatel.nl zonnet.nl
    telenet.be skynet.be proximus.be scarlet.be
    """.split()  # noqa: SIM905 - a list to read, not to format one per line
)
# Providers with a domain in many countries (gmx.de, yahoo.co.uk, hotmail.nl, live.be, …).
PUBLIC_MAIL_FAMILIES = re.compile(
    r"^(gmx|yahoo|hotmail|outlook|live|windowslive|aol)\.([a-z]{2,3}\.)?[a-z]{2,3}$"
)
RECORD_PREFIX = "klasgesprek-verification="
RECORD_LABEL = "_klasgesprek"
DNS_TIMEOUT = 5  # seconds for the whole lookup


def is_public_mail_domain(domain: str) -> bool:
    """Whether the domain (or one it is under) belongs to a public mail provider."""
    labels = domain.lower().strip(".").split(".")
    parents = {".".join(labels[i:]) for i in range(len(labels) - 1)}
    return bool(parents & PUBLIC_MAIL_DOMAINS) or any(
        PUBLIC_MAIL_FAMILIES.match(parent) for parent in parents
    )


def verification_token(secret_key: str | bytes, owner: int | str, domain: str) -> str:
    """The token a school publishes to show the domain is its own; one per owner and domain.

    `owner` is a school's id, or `municipality-<id>` for a municipality.
    """
    key = secret_key.encode() if isinstance(secret_key, str) else secret_key
    message = f"signon-domain:{owner}:{domain}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def verification_record(secret_key: str | bytes, owner: int | str, domain: str) -> str:
    """The TXT record's text: `klasgesprek-verification=<token>`."""
    return RECORD_PREFIX + verification_token(secret_key, owner, domain)


def record_names(domain: str) -> list[str]:
    """Where the record may be: `_klasgesprek.<domain>` or the domain itself."""
    return [f"{RECORD_LABEL}.{domain}", domain]


def _resolver(nameserver: str | None):
    """dnspython's resolver: the system's, or the one `host:port` names (SIGNON_DNS_NAMESERVER)."""
    import dns.resolver  # only when a coordinator checks a record

    if not nameserver:
        resolver = dns.resolver.Resolver()
    else:
        host, _, port = nameserver.rpartition(":")
        if not host:  # no port given
            host, port = nameserver, "53"
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [host.strip("[]")]
        resolver.port = int(port)
    resolver.lifetime = DNS_TIMEOUT
    return resolver


def txt_record_found(domain: str, expected: str, nameserver: str | None = None) -> bool | None:
    """Whether a TXT record at one of the domain's record names reads `expected`.

    None when DNS could not be asked (no answer in time, no name server).
    """
    import dns.exception
    import dns.resolver

    resolver = _resolver(nameserver)
    for name in record_names(domain):
        try:
            answer = resolver.resolve(name, "TXT", search=False)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            continue
        except dns.exception.DNSException:  # a time-out or failing servers: ask no further
            return None
        for record in answer:
            text = b"".join(record.strings).decode("utf-8", "replace").strip()
            if text == expected:
                return True
    return False
