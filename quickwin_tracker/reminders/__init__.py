"""Reminders and nudges by email: milestones due or overdue, stale initiatives, follow-up and
missing outcome measurements, @mentions.

``services`` decides who gets what (as ``mail.planning.PlannedEmail`` values, nothing written);
``jobs`` queues them through the outbox for the scheduler; ``cli`` adds ``quickwin reminders run``.
"""
