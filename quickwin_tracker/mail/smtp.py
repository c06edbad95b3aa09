"""Opening the SMTP connection from the app's configuration (``QUICKWIN_SMTP_*``)."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

SMTP_TIMEOUT = 10  # seconds, for connecting and for every command


class MailNotConfigured(RuntimeError):
    """No ``QUICKWIN_SMTP_HOST``: mail stays in the outbox."""


def _local_hostname(config: Mapping[str, Any]) -> str:
    # What we say in EHLO: the app's public host name, rather than smtplib's socket.getfqdn()
    # (a reverse DNS lookup that can hang on badly configured machines).
    return urlsplit(config.get("BASE_URL", "")).hostname or "localhost"


def open_smtp(config: Mapping[str, Any], timeout: float = SMTP_TIMEOUT) -> smtplib.SMTP:
    """A connected (and, when configured, TLS-secured and logged-in) SMTP client.

    ``SMTP_SECURITY``: ``none`` (plain), ``starttls`` (upgrade after EHLO; fails if the server
    does not offer it) or ``ssl`` (TLS from the first byte, usually port 465). Certificates are
    verified against the system's trust store. Raises ``MailNotConfigured`` without a host, and
    ``OSError``/``smtplib.SMTPException`` when the server cannot be reached or refuses us.
    """
    host = config.get("SMTP_HOST") or ""
    if not host:
        raise MailNotConfigured("no SMTP host configured (QUICKWIN_SMTP_HOST)")
    port = int(config.get("SMTP_PORT") or 25)
    security = config.get("SMTP_SECURITY") or "none"
    local_hostname = _local_hostname(config)
    if security == "ssl":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            host, port, local_hostname=local_hostname, timeout=timeout,
            context=ssl.create_default_context(),
        )
    else:
        smtp = smtplib.SMTP(host, port, local_hostname=local_hostname, timeout=timeout)
    try:
        if security == "starttls":
            smtp.ehlo()
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if config.get("SMTP_USER"):
            smtp.login(config["SMTP_USER"], config.get("SMTP_PASSWORD") or "")
    except BaseException:
        smtp.close()
        raise
    return smtp
