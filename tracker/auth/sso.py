"""Single sign-on with OpenID Connect (ID-porten, Entra ID): the pages.

`/sso/<provider>/start` sends the browser to the provider, keeping what must come back (state,
nonce, PKCE verifier, where to go next, an invitation) in the signed session cookie. Signing in
is a link (GET) on the sign-in page; everything else starts from a form (POST, with the CSRF
token), so no other site's link or image can start it in someone's browser: confirming it is
you (`?reauth=1`, the confirm page), linking an identity (`?link=1`, the account page, only
after a recent check) and taking up an invitation (field `invitation`, the invitation page).
`/sso/<provider>/callback` checks the answer (tracker.auth.oidc) and then, in this order:

- confirms it is you (`reauth=1`): the same signed-in person signed in again at the provider;
- links the identity to the signed-in user (`link=1`, from the account page), if they still
  showed who they are within `REAUTH_MINUTES`: an identity linked is a way in that skips the
  password and the code, so a browser left signed in must not be enough to add one;
- uses an invitation (`invitation=<token>`), by a reader nobody is signed in for: the identity
  is linked to the invited account.
  This is the only way an ID-porten `pid` becomes linked: by the person who holds the
  invitation, never by guessing from a name or a birth date;
- signs in the user the identity is linked to, or, for a provider that matches by e-mail
  (Entra ID), the active staff account with the e-mail the provider vouches for.

The callback is a GET (the provider redirects the browser back), so its writes are made at
once, together, after every check, in `bookkeeping()`: nothing is written when any check fails.
"""
import hmac

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import HiddenField, IntegerField
from wtforms.validators import DataRequired, NumberRange

from tracker import clock, security_log
from tracker.auth import oidc
from tracker.auth.link_pages import not_working_page
from tracker.auth.recent import checked_recently, note_checked
from tracker.auth.sessions import current_sign_in
from tracker.auth.signin import sign_in_and_redirect
from tracker.domain import DomainError
from tracker.bounds import MAX_INT
from tracker.forms import Form
from tracker.transaction import bookkeeping
from tracker.urls import absolute_url, is_own_path, safe_next
from tracker.users.links import LinkNotWorking, find_link, use_invitation
from tracker.users.models import LinkPurpose

bp = Blueprint("sso", __name__)

FLOW_KEY = "sso_flow"
# A link's or an invitation's token is far shorter; anything longer is not one of ours.
TOKEN_MAX_LENGTH = 200


@bp.app_context_processor
def single_sign_on_helpers():
    """What the sign-in page's buttons and the account page's list of identities ask."""
    return {"sso_providers": oidc.providers, "sso_identities_of": oidc.identities_of,
            "sso_display_name": oidc.display_name}


def callback_url(provider: oidc.Provider) -> str:
    """The address the provider sends the browser back to, as registered with it: under
    BASE_URL, never the request's Host header."""
    return absolute_url("sso.callback", provider=provider.name)


def provider_or_404(name: str) -> oidc.Provider:
    provider = oidc.get_provider(name)
    if provider is None:
        abort(404)
    return provider


def refusal(provider: oidc.Provider, message, *, reason: str, status: int = 400,
            user_id: int | None = None):
    """A page saying why nobody was signed in; the event goes to the security log."""
    security_log.record("sso_refused", user_id=user_id, provider=provider.name, reason=reason)
    return render_template("sso/refused.html", provider=provider, message=message), status


def unavailable(provider: oidc.Provider, error: oidc.ProviderUnavailable):
    """The provider did not answer, or not in OpenID Connect: 502, and another way in."""
    security_log.record("sso_provider_unavailable", provider=provider.name, reason=error.reason)
    message = _("%(provider)s is not answering as it should. Try again in a little while, or "
                "sign in another way.", provider=provider.display_name)
    return render_template("sso/refused.html", provider=provider, message=message,
                           unavailable=True), 502


class StartForm(Form):
    """A button that starts single sign-on (the account, confirm and invitation pages'): what
    it is for is in the address (`?link=1`, `?reauth=1`) or the `invitation` field."""

    # The app's own values, taken as "none" when they are not ours (see the checks below).
    invitation = HiddenField()
    next = HiddenField()


@bp.route("/<provider>/start", methods=["GET", "POST"])
def start(provider: str):
    """Send the browser to the provider. `next` is where to go afterwards.

    A GET only signs in. Linking (`?link=1`), confirming it is you (`?reauth=1`) and an
    invitation (`invitation`) are POSTed from their page's form; an address asking for one of
    them by GET (an old bookmark, or another site's link) goes to that page, and nothing starts.
    """
    provider = provider_or_404(provider)  # from its name in the address to its settings
    reauth = request.args.get("reauth") == "1"
    linking = not reauth and request.args.get("link") == "1"
    if request.method == "GET":
        return start_by_link(provider, reauth=reauth, linking=linking)
    form = StartForm()
    if not form.validate_on_submit():
        abort(400)
    next_url = form.next.data or ""
    invitation = form.invitation.data or ""
    if reauth or linking:
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=url_for("auth.account")))
        if linking and not checked_recently():
            return confirm_first()
        return go_to_provider(provider, next_url=next_url, reauth=reauth, link=linking,
                              user_id=current_user.id)
    if invitation:
        return start_invitation(provider, invitation, next_url)
    if current_user.is_authenticated:
        return redirect(safe_next(next_url))
    return go_to_provider(provider, next_url=next_url)


def start_by_link(provider: oidc.Provider, *, reauth: bool, linking: bool):
    next_url = request.args.get("next", "")
    if linking:
        return redirect(url_for("auth.account"))
    if reauth:
        return redirect(url_for("auth.confirm", next=next_url if is_own_path(next_url) else None))
    if "invitation" in request.args:
        token = request.args["invitation"]
        if not (0 < len(token) <= TOKEN_MAX_LENGTH and token.isascii()
                and token.replace("-", "").replace("_", "").isalnum()):
            return not_working_page()
        return redirect(url_for("links.invitation", token=token))
    if current_user.is_authenticated:
        # Signed in already, as the sign-in page does.
        return redirect(safe_next(next_url))
    return go_to_provider(provider, next_url=next_url)


def confirm_first():
    """Linking waits for a fresh check: to the confirm page, and back to the account page (the
    button is pressed again there; a POST is never replayed)."""
    flash(_("Confirm that it is you before you go on."), "info")
    return redirect(url_for("auth.confirm", next=url_for("auth.account")))


def start_invitation(provider: oidc.Provider, token: str, next_url: str):
    """Take up an invitation with the provider: only when nobody is signed in in this browser
    (as the invitation page itself asks), and only with a live invitation."""
    if current_user.is_authenticated:
        return render_template("links/signed_in.html")
    try:
        find_link(token, LinkPurpose.INVITATION)
    except LinkNotWorking:
        return not_working_page()
    return go_to_provider(provider, next_url=next_url, invitation=token)


def go_to_provider(provider: oidc.Provider, *, next_url: str, reauth: bool = False,
                   link: bool = False, invitation: str = "", user_id: int | None = None):
    try:
        url, flow = oidc.authorization_request(provider, callback_url(provider), reauth=reauth)
    except oidc.ProviderUnavailable as error:
        return unavailable(provider, error)
    flow.update(provider=provider.name, next=next_url if is_own_path(next_url) else "",
                reauth=reauth, link=link, invitation=invitation)
    if user_id is not None:
        flow["user_id"] = user_id
    session[FLOW_KEY] = flow
    return redirect(url)


def provider_error(provider: oidc.Provider, error: str):
    if error in ("access_denied", "login_required", "interaction_required"):
        message = _("You did not finish signing in at %(provider)s. Nobody is signed in. Try "
                    "again, or sign in another way.", provider=provider.display_name)
    else:
        message = _("%(provider)s could not sign you in. Try again, or sign in another way.",
                    provider=provider.display_name)
    return refusal(provider, message, reason=f"provider_error:{error[:40]}")


@bp.get("/<provider>/callback")
def callback(provider: str):
    provider = provider_or_404(provider)  # from its name in the address to its settings
    # One answer per start: a second arrival (a replay, the back button) finds no flow.
    flow = session.pop(FLOW_KEY, None)
    if request.args.get("error"):
        return provider_error(provider, request.args["error"])
    state = request.args.get("state", "")
    if (not isinstance(flow, dict) or flow.get("provider") != provider.name
            or not hmac.compare_digest(state.encode(), str(flow.get("state", "")).encode())):
        return refusal(provider, oidc.refused(provider, "state").message, reason="state")
    # RFC 9207: a provider that names itself in its answer must name the one we asked, so an
    # answer from another provider (a mix-up) is not taken for this one's.
    if "iss" in request.args and request.args["iss"] != provider.issuer:
        return refusal(provider, oidc.refused(provider, "issuer").message, reason="iss_parameter")
    code = request.args.get("code", "")
    if not code or len(code) > 2000:
        return refusal(provider, oidc.refused(provider, "code").message, reason="no_code")
    try:
        claims = oidc.verified_claims(provider, flow, code, callback_url(provider))
        subject = oidc.subject(provider, claims)
    except oidc.SignInRefused as error:
        return refusal(provider, error.message, reason=error.reason)
    except oidc.ProviderUnavailable as error:
        return unavailable(provider, error)
    if flow.get("reauth"):
        return confirm_it_is_you(provider, flow, claims, subject)
    if flow.get("link"):
        return link_to_current_user(provider, flow, claims, subject)
    return sign_in_with(provider, flow, claims, subject)


def confirm_it_is_you(provider: oidc.Provider, flow: dict, claims: dict, subject: str):
    """The signed-in user signed in again at the provider, with an identity of theirs."""
    # Loading the user is what finds this request's sign-in session.
    signed_in = current_user.is_authenticated
    record = current_sign_in()
    identity = oidc.find_identity(provider, subject)
    if (record is None or not signed_in or current_user.id != flow.get("user_id")
            or identity is None or identity.user_id != current_user.id):
        message = _("That %(provider)s identity is not the one linked to the account you are "
                    "signed in with.", provider=provider.display_name)
        return refusal(provider, message, reason="reauth_other_identity",
                       user_id=current_user.id if current_user.is_authenticated else None)
    auth_time = claims.get("auth_time")
    if not isinstance(auth_time, int | float) or auth_time < flow["asked_at"] - oidc.CLOCK_LEEWAY_SECONDS:
        return refusal(provider, oidc.refused(provider, "not_fresh").message, reason="not_fresh",
                       user_id=current_user.id)
    with bookkeeping():
        note_checked(record)
        identity.last_used_at = clock.now()
    security_log.record("reauthenticated", user_id=current_user.id, session_id=record.id,
                        method=f"oidc:{provider.name}")
    return redirect(safe_next(flow.get("next")))


def link_to_current_user(provider: oidc.Provider, flow: dict, claims: dict, subject: str):
    """Link the identity to the signed-in user who asked for it on the account page."""
    if not current_user.is_authenticated or current_user.id != flow.get("user_id"):
        return refusal(provider, oidc.refused(provider, "state").message, reason="link_other_user")
    user = current_user._get_current_object()
    # Checked again: the time at the provider may have taken the check past REAUTH_MINUTES.
    if not checked_recently():
        security_log.record("sso_refused", user_id=user.id, provider=provider.name,
                            reason="link_not_checked_recently")
        return confirm_first()
    try:
        with bookkeeping():
            identity = oidc.link(user, provider, subject, oidc.label(claims))
            identity.last_used_at = clock.now()
    except DomainError as error:
        return refusal(provider, error.message, reason="linked_to_another", user_id=user.id)
    security_log.record("sso_linked", user_id=user.id, provider=provider.name, by="account")
    flash(_("Your %(provider)s identity is linked: you can sign in with it.",
            provider=provider.display_name), "success")
    return redirect(url_for("auth.account"))


def sign_in_with(provider: oidc.Provider, flow: dict, claims: dict, subject: str):
    """Sign in the user this identity belongs to: by an invitation, a link made before, or
    (for a provider that matches by e-mail) an active staff account's verified e-mail."""
    if flow.get("invitation") and current_user.is_authenticated:
        # Someone signed in (in another tab) while this browser was at the provider.
        return render_template("links/signed_in.html")
    two_factors = oidc.two_factors(provider, claims)
    method = f"oidc:{provider.name}" + ("+mfa" if two_factors else "")
    try:
        with bookkeeping():
            if flow.get("invitation"):
                # The links feature checks the invitation (unused, unexpired, unrevoked) and
                # marks it used; the identity goes to the account it was meant for.
                user = use_invitation(flow["invitation"])
                identity = oidc.link(user, provider, subject, oidc.label(claims))
                security_log.record("sso_linked", user_id=user.id, provider=provider.name,
                                    by="invitation")
            else:
                identity = oidc.find_identity(provider, subject)
                user = identity.user if identity is not None else None
                email = oidc.verified_email(provider, claims) if identity is None else None
                if email and (user := oidc.staff_with_email(email, provider)) is not None:
                    identity = oidc.link(user, provider, subject, oidc.label(claims))
                    security_log.record("sso_linked", user_id=user.id, provider=provider.name,
                                        by="email")
                if user is None:
                    raise NotLinked()
            if not user.active:
                raise Deactivated(user.id)
            identity.last_used_at = clock.now()
            response = sign_in_and_redirect(user, method=method, next_url=flow.get("next"),
                                            second_factor_done=two_factors)
    except NotLinked:
        message = _("No account in the tracker is linked to this %(provider)s identity. Follow "
                    "the invitation you were sent, or ask the programme's coordinators.",
                    provider=provider.display_name)
        return refusal(provider, message, reason="not_linked", status=403)
    except Deactivated as error:
        message = _("Your account in the tracker is deactivated, so you cannot sign in. Ask the "
                    "programme's coordinators if you need it again.")
        return refusal(provider, message, reason="deactivated", status=403, user_id=error.user_id)
    except DomainError as error:
        return refusal(provider, error.message, reason="invitation_or_link_refused")
    return response


class NotLinked(Exception):
    """No account is linked to the identity, and none matches it."""


class Deactivated(Exception):
    def __init__(self, user_id: int):
        super().__init__(user_id)
        self.user_id = user_id


class UnlinkForm(Form):
    """Remove one of one's own linked identities (from the account page)."""

    identity = IntegerField(validators=[DataRequired(), NumberRange(min=1, max=MAX_INT)])


@bp.post("/identities/unlink")
def unlink():
    """Remove one of the signed-in user's own identities, while another way in remains."""
    form = UnlinkForm()
    if not form.validate_on_submit():
        return redirect(url_for("auth.account"))
    identity = oidc.get_identity_or_404(form.identity.data, current_user)
    name = oidc.display_name(identity.provider)
    try:
        oidc.unlink(identity)
    except DomainError as error:
        security_log.record("sso_unlink_refused", user_id=current_user.id,
                            provider=identity.provider, reason="last_way_in")
        return render_template("sso/unlink_refused.html", message=error.message), 400
    security_log.record("sso_unlinked", user_id=current_user.id, provider=identity.provider)
    flash(_("%(provider)s is no longer linked to your account.", provider=name), "success")
    return redirect(url_for("auth.account"))
