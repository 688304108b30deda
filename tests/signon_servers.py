"""Real servers on loopback for the sign-on domain and fetch tests.

`IssuerServer` is a small HTTP(S) server that answers as a provider's discovery document
does (or with a redirect, or with another issuer) and records every request it gets, so a
test can tell that the app made no request at all. `DnsServer` (dnslib) serves TXT records
on UDP.
"""

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from dnslib import QTYPE, RCODE, RR, TXT
from dnslib.server import BaseResolver, DNSLogger, DNSServer


class _Server(ThreadingHTTPServer):
    daemon_threads = True


class _IPv6Server(_Server):
    address_family = socket.AF_INET6


class IssuerServer:
    """An issuer on 127.0.0.1 (or ::1); `mode` is 'discovery', 'redirect' or 'other-issuer'."""

    def __init__(self, host: str = "127.0.0.1", mode: str = "discovery", tls=None) -> None:
        self.mode = mode
        self.requests: list[tuple[str, dict]] = []
        self.server_names: list[str | None] = []  # TLS: the names clients asked for (SNI)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append((self.path, dict(self.headers)))
                if server.mode == "redirect" and not self.path.startswith("/moved/"):
                    self.send_response(302)
                    self.send_header("Location", f"{server.url}/moved{self.path}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                issuer = server.url if server.mode != "other-issuer" else "https://elsewhere.test"
                body = json.dumps(
                    {
                        "issuer": issuer,
                        "authorization_endpoint": f"{server.url}/auth",
                        "token_endpoint": f"{server.url}/token",
                        "jwks_uri": f"{server.url}/jwks",
                    }
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        server_class = _IPv6Server if ":" in host else _Server
        self.httpd = server_class((host, 0), Handler)
        port = self.httpd.server_address[1]
        scheme = "http"
        if tls is not None:  # an ssl.SSLContext with the server's certificate
            tls.sni_callback = lambda _socket, name, _context: self.server_names.append(name)
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
            scheme = "https"
        self.url = f"{scheme}://[{host}]:{port}" if ":" in host else f"{scheme}://{host}:{port}"
        self.port = port
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def paths(self) -> list[str]:
        """The paths requested so far."""
        return [path for path, _headers in self.requests]

    def stop(self) -> None:
        """Stop serving."""
        self.httpd.shutdown()
        self.httpd.server_close()


class _Records(BaseResolver):
    def __init__(self) -> None:
        self.txt: dict[str, list[str]] = {}
        self.failing: set[str] = set()

    def resolve(self, request, handler):
        reply = request.reply()
        name = str(request.q.qname).rstrip(".").lower()
        if name in self.failing:
            reply.header.rcode = RCODE.SERVFAIL
        elif request.q.qtype == QTYPE.TXT and name in self.txt:
            for text in self.txt[name]:
                reply.add_answer(RR(request.q.qname, QTYPE.TXT, rdata=TXT(text), ttl=60))
        elif not any(n == name or n.endswith("." + name) for n in self.txt):
            reply.header.rcode = RCODE.NXDOMAIN
        return reply


class DnsServer:
    """A DNS server on 127.0.0.1 (UDP) answering the TXT records in `records`."""

    def __init__(self) -> None:
        self._records = _Records()
        self.records = self._records.txt
        self.failing = self._records.failing  # names answered with SERVFAIL
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        quiet = DNSLogger(logf=lambda _line: None)
        self.server = DNSServer(self._records, port=self.port, address="127.0.0.1", logger=quiet)
        # dnslib's start_thread polls every 0.5 s, which makes stopping slow.
        self.thread = threading.Thread(
            target=self.server.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    @property
    def address(self) -> str:
        """The server as SIGNON_DNS_NAMESERVER takes it."""
        return f"127.0.0.1:{self.port}"

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.server.server.shutdown()
        self.server.server.server_close()
