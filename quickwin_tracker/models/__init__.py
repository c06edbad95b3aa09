"""The domain model (SQLAlchemy 2.0 typed declarative), one module per concern:

- ``base``: column types and mixins (``UTCDateTime``, ``JSONType``, ``LocalizedName``, ``MAX_ID``);
- ``people``: users, roles, units (OPDs), sign-in throttling, second factors (TOTP);
- ``vocabulary``: the lifecycle vocabulary, dimensions, stages and plan tags;
- ``initiatives``: initiatives, their team and tags, milestones, their kept derived status;
- ``outcomes``: indicators, measurements and their evidence;
- ``activity``: the activity trail, comments and notifications;
- ``boards``: what a person keeps of the board (saved views);
- ``reviews``: the Sekda's periodic reviews and their decisions;
- ``updates``: progress updates, the owners' own account on a cadence;
- ``budget``: planned budgets and realised spending (optional per deployment);
- ``mail``: the mail outbox and the scheduler's bookkeeping;
- ``tokens``: personal access tokens for the API;
- ``webhooks``: signed webhook endpoints and their durable delivery queue.

Everything public is importable from here (``from quickwin_tracker.models import User``).

The schema is created only by the migrations in ``migrations/``; every change here ships with a
reviewed revision (``quickwin db migrate``), and ``tests/app/test_migrations.py`` fails on drift.
"""

from .activity import Activity, Comment, Notification
from .base import MAX_ID, JSONType, LocalizedName, UTCDateTime
from .boards import SavedView, change_clock
from .budget import InitiativeBudget, Spending
from .initiatives import (
    Initiative,
    InitiativeStatus,
    Milestone,
    initiative_member,
    initiative_tag,
    status_refresh,
)
from .mail import (
    JobRun,
    OutboxMessage,
    OutboxStatus,
    SchedulerLease,
    TelegramLinkToken,
    TelegramUpdate,
)
from .outcomes import (
    STANDING_MEASUREMENT_STATUSES,
    Direction,
    Evidence,
    Indicator,
    IndicatorPlan,
    Measurement,
    MeasurementStatus,
    PlanPeriod,
)
from .people import (
    AUTH_LDAP,
    AUTH_LOCAL,
    AUTH_OIDC,
    AUTH_SOURCES,
    LOCALES,
    ROLE_LABELS,
    LoginAttempt,
    RecoveryCode,
    Role,
    SecondFactor,
    Unit,
    User,
    _dummy_password_hash,
    new_session_token,
    role_label,
    spend_password_check,
)
from .reviews import REVIEW_DECISION_LABELS, Review, ReviewDecision, ReviewDecisionKind
from .tokens import TOKEN_SCOPE_LABELS, AccessToken, TokenScope, token_scope_label
from .updates import HEALTH_LABELS, HEALTH_VALUES, Health, ProgressUpdate
from .vocabulary import TAG_KIND_LABELS, Dimension, Stage, Tag, TagKind
from .webhooks import DeliveryStatus, WebhookDelivery, WebhookEndpoint

__all__ = [
    "AUTH_LDAP",
    "AUTH_LOCAL",
    "AUTH_OIDC",
    "AUTH_SOURCES",
    "TOKEN_SCOPE_LABELS",
    "AccessToken",
    "TokenScope",
    "HEALTH_LABELS",
    "HEALTH_VALUES",
    "Health",
    "ProgressUpdate",
    "LOCALES",
    "MAX_ID",
    "REVIEW_DECISION_LABELS",
    "ROLE_LABELS",
    "STANDING_MEASUREMENT_STATUSES",
    "TAG_KIND_LABELS",
    "Activity",
    "Comment",
    "Dimension",
    "Direction",
    "Evidence",
    "Indicator",
    "IndicatorPlan",
    "Initiative",
    "InitiativeBudget",
    "InitiativeStatus",
    "JSONType",
    "JobRun",
    "LocalizedName",
    "LoginAttempt",
    "Measurement",
    "MeasurementStatus",
    "Milestone",
    "Notification",
    "OutboxMessage",
    "OutboxStatus",
    "PlanPeriod",
    "RecoveryCode",
    "Review",
    "ReviewDecision",
    "ReviewDecisionKind",
    "Role",
    "SavedView",
    "SchedulerLease",
    "TelegramLinkToken",
    "TelegramUpdate",
    "SecondFactor",
    "Spending",
    "Stage",
    "Tag",
    "TagKind",
    "UTCDateTime",
    "Unit",
    "User",
    "_dummy_password_hash",
    "change_clock",
    "initiative_member",
    "initiative_tag",
    "status_refresh",
    "token_scope_label",
    "new_session_token",
    "role_label",
    "spend_password_check",
    "DeliveryStatus",
    "WebhookDelivery",
    "WebhookEndpoint",
]
