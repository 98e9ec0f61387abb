"""The respondent's answer pages: the page a personal link opens, with no sign-in.

The rules (whose link, whether it still works, what saving and submitting do) are
tracker.surveys.responses; these views only ask and answer. The token is in the address, so
the pages send no referrer (their layout says so) and are never cached, and the security log
writes the address with <token> in its place (tracker.security_log.logged_path).
"""
from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from email.utils import parseaddr

from flask import session

from tracker import clock
from tracker.extensions import csrf, limiter
from tracker.i18n import current_language, day
from tracker.surveys.respond_forms import answer_form
from tracker.surveys.responses import (
    AlreadyAnswered,
    AnswersRefused,
    LinkNotWorking,
    RoundClosed,
    Unfinished,
    closing_day,
    draft_of,
    respondent_to_answer,
    save_draft,
    submit,
)

bp = Blueprint("respond", __name__)

# A link is 256 random bits, so no guessing gets anywhere; the limit only keeps one address from
# loading the database through the lookup.
ANSWER_LIMIT_PER_ADDRESS = "120 per minute"


def _answer_limit() -> str:
    return current_app.config.get("ANSWER_LIMIT_PER_ADDRESS", ANSWER_LIMIT_PER_ADDRESS)


@bp.after_request
def private(response):
    """The link opens the respondent's answers: no cache keeps the page, whatever the app's
    policy for other pages becomes, and no link on it tells another site the address (the
    layout's <meta name="referrer"> says the same to browsers that read only that)."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def contact_address() -> str:
    """Where a respondent asks about the survey: PROGRAMME_CONTACT_EMAIL, else MAIL_FROM's."""
    return (current_app.config.get("PROGRAMME_CONTACT_EMAIL")
            or parseaddr(current_app.config["MAIL_FROM"])[1])


def _page(template: str, status: int, **context):
    return make_response(render_template(f"surveys/respond/{template}",
                                         contact=contact_address(), **context), status)


@bp.route("/answer/<token>", methods=["GET", "POST"])
@limiter.limit(_answer_limit)
# No CSRF token: the personal link is itself a 256-bit secret only its holder has, so a
# forged post from another site needs the link, and whoever has the link can answer anyway.
# A token tied to the session would only make a phone that lost its session cookie (a browser
# closed, a long pause) refuse 20 minutes of answers.
@csrf.exempt
def answer(token: str):
    """The answer form of the round the link belongs to; "Save and continue later" keeps the
    answers as they are, "Submit answers" sends them once and for all."""
    today = clock.today()
    try:
        respondent = respondent_to_answer(token, today)
    except LinkNotWorking:
        return _page("not_working.html", 404)
    except AlreadyAnswered:
        # Thanked again; a second submit (a tab left open) is told nothing was taken.
        return _page("answered.html", 409 if request.method == "POST" else 200)
    except RoundClosed as closed:
        return _page("closed.html", 410, closed_on=closing_day(closed.round))
    survey_round = respondent.round
    version = survey_round.instrument_version
    locale = current_language()
    form = answer_form(version, locale, draft=draft_of(respondent))
    switch_to = form.language_chosen(current_app.config["LANGUAGES"])
    status = 200
    if form.validate_on_submit():
        items, texts = form.items_given(), form.open_given()
        try:
            if form.submitting:
                submit(respondent, items, texts, locale, today)
            else:
                save_draft(respondent, items, texts, locale)
        except AlreadyAnswered:
            # Another tab submitted first: that one counts, this one changes nothing (a 4xx
            # rolls the request back at its edge, tracker.transaction).
            return _page("answered.html", 409)
        except RoundClosed:
            # Closed while the page was open: the answers are not taken.
            return _page("closed.html", 410, closed_on=closing_day(survey_round))
        except Unfinished as unfinished:
            # What was answered is saved as the draft (and committed with the request), so the
            # page answers 200: the save went through, only the submission waits.
            form.add_problems(unfinished.problems)
            form.unfinished = True
        except AnswersRefused as refused:
            form.add_problems(refused.problems)
            status = 400
        else:
            # Submitted: the same link now answers with the thank-you page.
            if switch_to:
                # As tracker.language.choose does.
                session["lang"] = switch_to
            elif not form.submitting:
                flash(_("Your answers are kept. Open the same link again to go on, until "
                        "%(day)s.", day=day(survey_round.closes_on)), "success")
            return redirect(url_for("respond.answer", token=token), code=303)
    elif form.is_submitted():
        status = 400
    return _page("answer.html", status, form=form, survey_round=survey_round, version=version,
                 locale=locale, unfinished=getattr(form, "unfinished", False),
                 enrolment=survey_round.enrolment)
