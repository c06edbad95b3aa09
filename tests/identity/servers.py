"""Real identity servers for the tests: Debian's OpenLDAP (slapd) with a throwaway directory, and
an OpenID Connect provider (oidc-provider-mock, a real Authlib-based provider) on 127.0.0.1.

Without slapd the LDAP tests skip, unless ``QUICKWIN_REQUIRE_LDAP=1`` (set by ``.ci/run``), which
turns a missing slapd into a failure.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import ipaddress
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request

SLAPD = shutil.which("slapd") or "/usr/sbin/slapd"
SLAPADD = shutil.which("slapadd") or "/usr/sbin/slapadd"
REQUIRE_LDAP = os.environ.get("QUICKWIN_REQUIRE_LDAP") == "1"
SCHEMAS = Path("/etc/ldap/schema")
MODULES = Path("/usr/lib/ldap")

SUFFIX = "dc=balikpapan,dc=go,dc=id"
SERVICE_DN = f"cn=quickwin,ou=services,{SUFFIX}"
SERVICE_PASSWORD = "service-secret-42"
# (uid, name, email, password, groups)
PEOPLE = [
    ("rina", "Rina Kepala", "rina@balikpapan.go.id", "rina-ldap-pass-1", ["bpk-diskominfo-kepala"]),
    ("budi", "Budi Staf", "budi@balikpapan.go.id", "budi-ldap-pass-2", ["bpk-dlh-staf"]),
    ("sari", "Sari Tamu", "sari@balikpapan.go.id", "sari-ldap-pass-3", []),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def slapd_available() -> bool:
    return os.access(SLAPD, os.X_OK) and os.access(SLAPADD, os.X_OK) and (MODULES / "back_mdb.so").exists()


def need_slapd() -> None:
    if slapd_available():
        return
    message = f"no OpenLDAP server at {SLAPD} (apt-get install -y slapd ldap-utils)"
    if REQUIRE_LDAP:
        pytest.fail(f"QUICKWIN_REQUIRE_LDAP=1 but {message}", pytrace=False)
    pytest.skip(message)


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, signed by itself (its own CA file)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    return cert_path, key_path


def _ldif() -> str:
    parts = [
        f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\no: Pemkot Balikpapan\n"
        "dc: balikpapan\n",
        *(f"dn: ou={ou},{SUFFIX}\nobjectClass: organizationalUnit\nou: {ou}\n"
          for ou in ("people", "groups", "services")),
        f"dn: {SERVICE_DN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\n"
        f"cn: quickwin\nuserPassword: {SERVICE_PASSWORD}\n",
    ]
    groups: dict[str, list[str]] = {}
    for uid, name, email, password, member_of in PEOPLE:
        dn = f"uid={uid},ou=people,{SUFFIX}"
        parts.append(f"dn: {dn}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: {name}\n"
                     f"sn: {name.split()[-1]}\nmail: {email}\nuserPassword: {password}\n")
        for group in member_of:
            groups.setdefault(group, []).append(dn)
    for group, members in groups.items():
        parts.append(f"dn: cn={group},ou=groups,{SUFFIX}\nobjectClass: groupOfNames\ncn: {group}\n"
                     + "".join(f"member: {m}\n" for m in members))
    return "\n".join(parts)


@dataclass
class Directory:
    url: str  # ldap:// (StartTLS offered)
    ldaps_url: str
    ca_file: Path
    process: subprocess.Popen


@contextmanager
def running_slapd(folder: Path) -> Iterator[Directory]:
    """slapd with a fresh directory (the people and groups above), on two free ports of
    127.0.0.1: ldap:// (StartTLS) and ldaps://, with a self-signed certificate; killed after."""
    cert, key = self_signed_certificate(folder)
    (folder / "db").mkdir()
    conf = folder / "slapd.conf"
    conf.write_text("\n".join([
        *(f"include {SCHEMAS / s}.schema" for s in ("core", "cosine", "inetorgperson", "nis")),
        f"modulepath {MODULES}", "moduleload back_mdb",
        f"pidfile {folder / 'slapd.pid'}", f"argsfile {folder / 'slapd.args'}",
        f"TLSCertificateFile {cert}", f"TLSCertificateKeyFile {key}",
        "database mdb", "maxsize 10485760", f'suffix "{SUFFIX}"',
        f'rootdn "cn=admin,{SUFFIX}"', f"rootpw {SERVICE_PASSWORD}-root",
        f"directory {folder / 'db'}",
        "access to attrs=userPassword by anonymous auth by self read by * none",
        "access to * by users read by * none",  # no anonymous search
        "",
    ]))
    (folder / "data.ldif").write_text(_ldif())
    subprocess.run([SLAPADD, "-f", str(conf), "-l", str(folder / "data.ldif")], check=True,
                   capture_output=True)
    port, tls_port = free_port(), free_port()
    log = open(folder / "slapd.log", "wb")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [SLAPD, "-f", str(conf), "-h", f"ldap://127.0.0.1:{port}/ ldaps://127.0.0.1:{tls_port}/",
         "-d", "0"], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                socket.create_connection(("127.0.0.1", tls_port), timeout=0.5).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("slapd did not start: "
                                       + (folder / "slapd.log").read_text(errors="replace")[-2000:]) from None
                time.sleep(0.1)
        yield Directory(url=f"ldap://127.0.0.1:{port}", ldaps_url=f"ldaps://127.0.0.1:{tls_port}",
                        ca_file=cert, process=process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


# --------------------------------------------------------------------------- OpenID Connect


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


@dataclass
class Provider:
    """oidc-provider-mock on 127.0.0.1, behind a thin WSGI layer that records what it was sent
    and enforces PKCE (S256) as a strict provider does: the mock itself ignores code challenges."""

    url: str
    authorize_requests: list[dict] = field(default_factory=list)
    token_requests: list[dict] = field(default_factory=list)
    end_session_requests: list[dict] = field(default_factory=list)
    challenges: dict[str, str] = field(default_factory=dict)  # code -> challenge

    @property
    def discovery_url(self) -> str:
        return f"{self.url}/.well-known/openid-configuration"

    def set_user(self, sub: str, **claims) -> None:
        httpx.put(f"{self.url}/users/{sub}", json=claims, timeout=5).raise_for_status()


class _PkceLayer:
    def __init__(self, app, provider: Provider):
        self.app, self.provider = app, provider
        self.pending: dict[str, str] = {}  # state -> challenge, until the code is issued

    def __call__(self, environ, start_response):
        request = Request(environ)
        path = request.path
        if path == "/oauth2/authorize":
            args = request.args.to_dict()
            if request.method == "GET":
                self.provider.authorize_requests.append(args)
                if args.get("code_challenge_method") != "S256" or not args.get("code_challenge"):
                    start_response("400 Bad Request", [("Content-Type", "text/plain")])
                    return [b"PKCE with S256 required"]
            self.pending[args.get("state", "")] = args.get("code_challenge", "")

            def capture(status, headers, exc_info=None):
                location = dict(headers).get("Location", "")
                if "code=" in location:
                    query = parse_qs(location.split("?", 1)[1])
                    self.provider.challenges[query["code"][0]] = self.pending.get(
                        query.get("state", [""])[0], "")
                return start_response(status, headers, exc_info)

            return self.app(environ, capture)
        if path == "/oauth2/token" and request.method == "POST":
            body = request.get_data()  # kept, then handed on to the provider below
            form = request.form.to_dict()
            self.provider.token_requests.append(form)
            challenge = self.provider.challenges.get(form.get("code", ""))
            if form.get("grant_type") == "authorization_code" and (
                    not challenge or _s256(form.get("code_verifier", "")) != challenge):
                start_response("400 Bad Request", [("Content-Type", "application/json")])
                return [b'{"error": "invalid_grant", "error_description": "PKCE verification failed"}']
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
        if path == "/oauth2/end_session":
            self.provider.end_session_requests.append(request.values.to_dict())
        return self.app(environ, start_response)


@contextmanager
def running_provider(host: str = "127.0.0.1") -> Iterator[Provider]:
    """The provider on 127.0.0.1, addressed as ``host`` (a browser test names it ``localhost``:
    cookies ignore ports, so the provider's cookies must not land on the app's 127.0.0.1)."""
    import warnings

    with warnings.catch_warnings():
        # The mock imports authlib.jose and Authlib's httpx client, both deprecated by Authlib
        # 1.7+ (warnings from the test's provider, not from the app).
        warnings.simplefilter("ignore")
        import oidc_provider_mock

    port = free_port()
    provider = Provider(url=f"http://{host}:{port}")
    app = oidc_provider_mock.app(require_nonce=True)
    server = make_server("127.0.0.1", port, _PkceLayer(app, provider), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
