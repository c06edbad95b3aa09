"""Reminders and nudges by email: milestones due or overdue, stale initiatives, follow-up and
missing outcome measurements, @mentions.

``services`` decides who gets what (as :class:`~.services.PlannedEmail` values, nothing written);
``jobs`` queues them through the outbox for the scheduler; ``commands`` adds
``quickwin reminders run``.
"""
