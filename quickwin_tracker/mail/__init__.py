"""Email: a persistent outbox, planned emails, SMTP delivery, unsubscribe tokens and the admin
outbox page.

- ``outbox.queue_email(...)`` renders ``templates/email/<name>.txt|html`` and adds an
  ``OutboxMessage`` to the caller's transaction (never commits);
- ``outbox.deliver_outbox(now)`` sends what is due over one SMTP connection (the scheduler's
  ``outbox_delivery`` job, ``quickwin outbox deliver``);
- ``planning.PlannedEmail`` is an email decided but not yet queued (reminders, digests):
  ``queue_plan`` queues one, ``render_plan`` previews one, ``outbox.already_queued`` says which
  dedupe keys are taken;
- ``urls.app_url`` builds the absolute links every email uses;
- ``tokens`` signs and reads one-click unsubscribe tokens;
- ``views`` is the admin outbox page (blueprint ``outbox`` at ``/admin/outbox``).

Nothing here is imported at start-up except the blueprint, and nothing connects at import.
"""
