"""Issue 15: the SSRF guard (every resolved address checked, the checked address connected to),
no redirects followed, short timeouts, URLs checked."""

from __future__ import annotations

import ipaddress
import socket
import time

import pytest
import sqlalchemy as sa

from quickwin_tracker.domain.errors import Invalid
from quickwin_tracker.extensions import db
from quickwin_tracker.models import WebhookDelivery, WebhookEndpoint
from quickwin_tracker.webhooks import network, services
from quickwin_tracker.webhooks.delivery import deliver_webhooks
from tests.webhooks.conftest import Receiver

NOT_PUBLIC = ["127.0.0.1", "127.8.9.10", "10.0.0.1", "10.255.255.254", "172.16.0.1",
              "172.31.255.254", "192.168.0.1", "192.168.255.255", "169.254.169.254",
              "169.254.0.1", "0.0.0.0", "100.64.0.1", "224.0.0.1", "::1", "::", "fc00::1",
              "fdff:ffff::1", "fe80::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1"]
PUBLIC = ["93.184.216.34", "8.8.8.8", "172.32.0.1", "2606:4700:4700::1111"]


@pytest.mark.parametrize("address", NOT_PUBLIC)
def test_non_public_addresses_are_refused_unless_allowed(address):
    assert not network.is_public(ipaddress.ip_address(address))
    host = f"[{address}]" if ":" in address else address
    target = network.parse_url(f"https://{host}/hook")
    with pytest.raises(network.Refused, match="not a public address"):
        network.checked_addresses(target, allow_private=False)
    assert network.checked_addresses(target, allow_private=True) == [ipaddress.ip_address(address)]


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass(address):
    assert network.is_public(ipaddress.ip_address(address))


def fake_dns(monkeypatch, answers: dict[str, list[str]]) -> list[str]:
    """Resolve the names of ``answers`` to those addresses; returns the names looked up."""
    looked_up: list[str] = []
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in answers:
            looked_up.append(host)
            return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                     (a, port)) for a in answers[host]]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(network.socket, "getaddrinfo", getaddrinfo)
    return looked_up


def test_a_name_resolving_to_loopback_is_refused():
    target = network.parse_url("http://localhost:8080/hook")
    with pytest.raises(network.Refused, match="localhost resolves to"):
        network.checked_addresses(target, allow_private=False)


def test_every_address_of_a_name_is_checked(monkeypatch):
    fake_dns(monkeypatch, {"mixed.example.test": ["93.184.216.34", "10.0.0.7"]})
    with pytest.raises(network.Refused, match="10.0.0.7"):
        network.checked_addresses(network.parse_url("https://mixed.example.test/"), False)


def test_an_unresolvable_name_is_refused(monkeypatch):
    def fail(*args, **kwargs):
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(network.socket, "getaddrinfo", fail)
    with pytest.raises(network.Refused, match="cannot resolve"):
        network.checked_addresses(network.parse_url("https://nowhere.example.test/"), False)


@pytest.mark.parametrize(("url", "code"), [
    ("", "empty"), ("ftp://hooks.example.org/x", "scheme"), ("javascript:alert(1)", "scheme"),
    ("https://user:pw@hooks.example.org/", "credentials"), ("https:///path", "host"),
    ("https://hooks.example.org:99999/", "port"), ("https://hooks.example.org:0/", "port"),
    ("https://hooks.example.org/a b", "spaces"), ("https://hooks.example.org/\r\nX: y", "spaces"),
    ("https://" + "a" * 2000 + ".org/", "too_long"), ("hooks.example.org/x", "scheme"),
])
def test_bad_urls_are_refused(url, code):
    with pytest.raises(network.BadURL) as refused:
        network.parse_url(url)
    assert refused.value.code == code


def test_a_good_url_is_split_for_pinning():
    target = network.parse_url("https://Hooks.Example.org:8443/in?x=1#frag")
    assert (target.scheme, target.host, target.port, target.path) == (
        "https", "hooks.example.org", 8443, "/in?x=1")
    assert target.host_header == "hooks.example.org:8443"
    assert target.url_for(ipaddress.ip_address("2606:4700::1")) == "https://[2606:4700::1]:8443/in?x=1"


def only_delivery() -> WebhookDelivery:
    (delivery,) = db.session.scalars(sa.select(WebhookDelivery)).all()
    return delivery


def queue_event(team, make_initiative):
    from quickwin_tracker.domain import activity

    initiative = make_initiative(unit=team.unit)
    activity.record(team.staff, "commented", initiative, comment_id=None)
    db.session.commit()


def test_a_receiver_on_loopback_gets_nothing_without_the_allowance(app, team, make_initiative,
                                                                   receiver, make_endpoint):
    make_endpoint(receiver.url, allow_private=False)
    queue_event(team, make_initiative)
    report = deliver_webhooks()
    assert report.retried == 1 and receiver.received == []
    assert "127.0.0.1" in only_delivery().last_error
    assert "not a public address" in only_delivery().last_error


def test_the_deployment_switch_overrides_an_endpoints_allowance(app, team, make_initiative,
                                                               receiver, make_endpoint):
    make_endpoint(receiver.url, allow_private=True)
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False  # the operator turned it off since
    queue_event(team, make_initiative)
    deliver_webhooks()
    assert receiver.received == [] and "not a public address" in only_delivery().last_error
    # …and no admin can set it anew.
    with pytest.raises(Invalid) as refused:
        services.create_endpoint(team.admin, receiver.url, "", ["comment.added"],
                                 allow_private=True)
    assert refused.value.field == "allow_private"
    db.session.rollback()


def test_the_request_goes_to_the_checked_address_not_a_second_lookup(
        app, team, make_initiative, receiver, make_endpoint, monkeypatch):
    looked_up = fake_dns(monkeypatch, {"hooks.example.test": ["127.0.0.1"]})
    make_endpoint(f"http://hooks.example.test:{receiver.port}/hooks", allow_private=True)
    queue_event(team, make_initiative)
    assert deliver_webhooks().sent == 1
    (request,) = receiver.received
    # httpx never resolved the name (it would have failed: the name exists only in fake_dns);
    # the name travels in the Host header, the connection went to the checked address.
    assert looked_up == ["hooks.example.test"]
    assert request.headers["host"] == f"hooks.example.test:{receiver.port}"


def test_redirects_are_not_followed(app, team, make_initiative, make_endpoint):
    elsewhere = Receiver()
    elsewhere.start()
    redirecting = Receiver(redirect_to=elsewhere.url)
    redirecting.start()
    try:
        make_endpoint(redirecting.url)
        queue_event(team, make_initiative)
        assert deliver_webhooks().retried == 1
        delivery = only_delivery()
        assert delivery.response_code == 302 and "redirects are not followed" in delivery.last_error
        assert len(redirecting.received) == 1 and elsewhere.received == []
    finally:
        redirecting.stop()
        elsewhere.stop()


def test_a_slow_receiver_times_out_quickly(app, team, make_initiative, make_endpoint):
    app.config["WEBHOOK_TIMEOUT"] = 1
    slow = Receiver(delay=3)
    slow.start()
    try:
        make_endpoint(slow.url)
        queue_event(team, make_initiative)
        started = time.monotonic()
        assert deliver_webhooks().retried == 1
        assert time.monotonic() - started < 2.5
        assert "timeout" in only_delivery().last_error
    finally:
        slow.stop()


def test_the_client_has_short_timeouts_and_follows_nothing():
    with network.client(5) as http:
        assert http.timeout.connect == http.timeout.read == 5
        assert http.follow_redirects is False
        assert http.trust_env is False


def test_the_default_settings():
    from quickwin_tracker import create_app
    from tests.conftest import base_config

    defaults = create_app(base_config(SQLALCHEMY_DATABASE_URI="sqlite://")).config
    assert defaults["WEBHOOK_TIMEOUT"] == 5
    assert defaults["WEBHOOK_DISABLE_AFTER_DAYS"] == 3
    assert defaults["WEBHOOK_ALLOW_PRIVATE"] is False
    assert defaults["WEBHOOK_MAX_ATTEMPTS"] == 14


@pytest.fixture
def tls_receiver(tmp_path):
    """An HTTPS receiver on 127.0.0.1 whose certificate names hooks.example.test (self-signed,
    made with openssl), and an SSL context that trusts it."""
    import shutil
    import ssl
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", str(key), "-out", str(cert), "-subj", "/CN=hooks.example.test",
                    "-addext", "subjectAltName=DNS:hooks.example.test"],
                   check=True, capture_output=True)
    server = Receiver()
    server.start()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server._server.socket = context.wrap_socket(server._server.socket, server_side=True)
    trust = ssl.create_default_context(cafile=str(cert))
    yield server, trust
    server.stop()


def test_https_connects_to_the_checked_address_and_checks_the_name(
        app, team, make_initiative, make_endpoint, monkeypatch, tls_receiver):
    server, trust = tls_receiver
    fake_dns(monkeypatch, {"hooks.example.test": ["127.0.0.1"], "other.example.test": ["127.0.0.1"]})
    real_client = network.client
    monkeypatch.setattr(network, "client", lambda timeout: real_client(timeout, verify=trust))
    make_endpoint(f"https://hooks.example.test:{server.port}/hooks")
    queue_event(team, make_initiative)
    assert deliver_webhooks().sent == 1  # the certificate matched the name, sent by SNI
    assert server.received[0].headers["host"] == f"hooks.example.test:{server.port}"

    # The same server under a name its certificate does not carry: refused by TLS.
    db.session.execute(sa.delete(WebhookDelivery))
    make_endpoint(f"https://other.example.test:{server.port}/hooks",
                  events=["comment.added"])
    db.session.execute(sa.update(WebhookEndpoint).where(
        WebhookEndpoint.url.like("https://hooks.%")).values(active=False))
    db.session.commit()
    queue_event(team, make_initiative)
    assert deliver_webhooks().retried == 1
    assert "certificate" in only_delivery().last_error.lower()
    assert len(server.received) == 1
