"""Signed webhooks (issue 15): admins register endpoints; changes to initiatives reach them as
Standard Webhooks-signed JSON, through a durable queue written in the same transaction as the
change.

- ``events.py``: the event types, the payloads, and the activity listener that queues them
  (registered at app setup, ``register``); ``milestone.overdue`` from the reminder job;
- ``delivery.py``: the ``webhook_delivery`` job: signing, sending, retries with backoff, order per
  initiative and endpoint, disabling an endpoint that keeps failing;
- ``network.py``: the one door to the network: URL checks, the SSRF guard, short timeouts, no
  redirects;
- ``services.py``: registering, changing and removing endpoints (admins);
- ``views.py`` (``/admin/webhooks``), ``forms.py``, ``cli.py`` (``quickwin webhooks deliver``).

See docs/webhooks.md.
"""
