"""Pages of the review cycle: the list of reviews, starting one, a review with its agenda and
decisions (printable)."""

from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from ..domain.clock import local_today
from ..domain.permissions import can_read_summary, can_review
from ..extensions import db
from ..models import REVIEW_DECISION_LABELS, Initiative, Review, ReviewDecision
from ..web.actions import require, user_action
from ..web.htmx import redirect_to
from ..web.pages import render_page
from . import bp
from .cycle import record_decision, start_review
from .forms import DecisionForm, StartReviewForm
from .periods import PeriodError, period_from_args


def _reviews_page(form: StartReviewForm, status: int = 200):
    rows = db.session.scalars(select(Review).order_by(Review.started_at.desc())).all()
    return render_page("review/reviews.html", reviews=rows, form=form), status


@bp.get("/reviews")
@login_required
def reviews():
    require(can_read_summary(current_user))
    return _reviews_page(StartReviewForm(period="month"))


@bp.post("/reviews")
@login_required
def review_start():
    require(can_review(current_user))
    form = StartReviewForm()
    if not form.validate_on_submit():
        return _reviews_page(form, 422)
    args = MultiDict({"period": form.period.data,
                      "start": form.start.data.isoformat() if form.start.data else "",
                      "end": form.end.data.isoformat() if form.end.data else ""})
    try:
        period = period_from_args(args, local_today())
    except PeriodError as exc:
        form.period.errors = [str(exc)]
        return _reviews_page(form, 422)
    with user_action(report=False) as action:
        review = start_review(current_user, period, form.title.data)
    if action.error is not None:
        abort(action.error.status, description=action.error.message)
    flash(_("Review started: %(title)s", title=review.title), "success")
    return redirect_to(url_for("review.review_detail", review_id=review.id))


def _decisions(review: Review) -> dict[int, ReviewDecision]:
    return {d.initiative_id: d for d in db.session.scalars(
        select(ReviewDecision).where(ReviewDecision.review_id == review.id)
        .options(db.joinedload(ReviewDecision.decided_by)))}


@bp.get("/reviews/<int:review_id>")
@login_required
def review_detail(review_id: int):
    require(can_read_summary(current_user))
    review = db.get_or_404(Review, review_id)
    return render_page("review/review.html", review=review, decisions=_decisions(review),
                           forms={}, snapshot=review.snapshot, decision_choices=_choices())


@bp.post("/reviews/<int:review_id>/decisions/<int:initiative_id>")
@login_required
def review_decide(review_id: int, initiative_id: int):
    require(can_review(current_user))
    review = db.get_or_404(Review, review_id)
    initiative = db.get_or_404(Initiative, initiative_id)
    form = DecisionForm(request.form)
    if form.validate_on_submit():
        with user_action(form) as action:
            record_decision(current_user, review, initiative, form.decision.data,
                            form.note.data or "", form.follow_up_on.data)
        if action.done:
            flash(_("Decision recorded for “%(title)s”.", title=initiative.title), "success")
            return redirect_to(url_for("review.review_detail", review_id=review.id)
                               + f"#agenda-{initiative.id}")
    return render_page("review/review.html", review=review, decisions=_decisions(review),
                           forms={initiative.id: form}, snapshot=review.snapshot,
                           decision_choices=_choices()), 422


def _choices() -> list[tuple[str, str]]:
    return [(kind.value, str(label)) for kind, label in REVIEW_DECISION_LABELS.items()]
