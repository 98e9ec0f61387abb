"""Single sign-on with OpenID Connect: the providers, talking to them, and the identities linked
to users.

Providers come from the configuration (`OIDC_PROVIDERS`, read from the environment in
config.py). Authlib is the client: the authorization code flow with PKCE (S256), a state and a
nonce, the provider's endpoints and keys from its discovery document. Every answer is checked
before it is believed: the discovery document must name the configured issuer, and the ID
token's signature (the provider's JWKS), issuer, audience, expiry and nonce must hold. A provider
that does not answer in `OIDC_TIMEOUT_SECONDS`, or answers something that is not OpenID Connect,
is `ProviderUnavailable`; an answer that fails a check is `SignInRefused`.
"""
from dataclasses import dataclass

import requests
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.flask_client import FlaskOAuth2App
from authlib.integrations.flask_client.integration import FlaskIntegration
from flask import abort, current_app
from flask_babel import lazy_gettext as _l
from joserfc.errors import (
    BadSignatureError,
    ClaimError,
    ExpiredTokenError,
    InvalidKeyIdError,
    JoseError,
)
from sqlalchemy import func, select

from tracker import clock
from tracker.auth.models import ExternalIdentity
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.users.models import User

# A provider's discovery document is read again after this long (its keys are read again at
# once when a token names a key we do not know).
METADATA_LIFETIME_SECONDS = 6 * 3600
# How far a provider's clock may be from ours when its tokens' times are checked.
CLOCK_LEEWAY_SECONDS = 120


@dataclass(frozen=True)
class Provider:
    """One configured OpenID provider, by its name in our configuration ("idporten")."""

    name: str
    display_name: str
    issuer: str
    client_id: str
    client_secret: str
    subject_claim: str
    scopes: str
    acr_values: str
    match_email: bool
    tenant: str
    # The e-mail domains the organisation's directory holds (Entra ID): an address there counts
    # as verified without the token's own word for it.
    email_domains: tuple[str, ...]
    two_factor_acr: tuple[str, ...]
    two_factor_amr: tuple[str, ...]


class ProviderUnavailable(Exception):
    """The provider did not answer in time, or answered something that is not OpenID Connect."""

    def __init__(self, provider: Provider, reason: str):
        super().__init__(f"{provider.name}: {reason}")
        self.provider = provider
        self.reason = reason


class SignInRefused(Exception):
    """The provider's answer fails a check (or says no): nobody is signed in.

    `reason` is a short word for the security log; `message` is for the reader.
    """

    def __init__(self, reason: str, message):
        super().__init__(reason)
        self.reason = reason
        self.message = message


def _provider(name: str, settings: dict) -> Provider:
    return Provider(
        name=name,
        display_name=settings.get("name") or name,
        issuer=settings["issuer"],
        client_id=settings["client_id"],
        client_secret=settings.get("client_secret", ""),
        subject_claim=settings.get("subject_claim") or "sub",
        scopes=settings.get("scopes") or "openid",
        acr_values=settings.get("acr_values", ""),
        match_email=bool(settings.get("match_email")),
        tenant=settings.get("tenant", ""),
        email_domains=tuple(domain.strip().lower().lstrip("@")
                            for domain in settings.get("email_domains", ()) if domain.strip()),
        two_factor_acr=tuple(settings.get("two_factor_acr", ())),
        two_factor_amr=tuple(settings.get("two_factor_amr", ("mfa",))),
    )


def providers() -> list[Provider]:
    """The configured providers, in the order the configuration names them."""
    return [_provider(name, settings)
            for name, settings in current_app.config.get("OIDC_PROVIDERS", {}).items()]


def get_provider(name: str) -> Provider | None:
    settings = current_app.config.get("OIDC_PROVIDERS", {}).get(name)
    return _provider(name, settings) if settings else None


def display_name(name: str) -> str:
    """A provider by the name people know it by ("Entra ID"), not its name in the settings;
    one no longer configured (an identity linked under it) by that name."""
    provider = get_provider(name)
    return provider.display_name if provider else name


# --- Talking to the provider -------------------------------------------------------------------

def _client(provider: Provider) -> FlaskOAuth2App:
    """Authlib's client for `provider`, kept per app so the discovery document and keys are
    read once (until METADATA_LIFETIME_SECONDS), and made afresh when the settings change."""
    clients = current_app.extensions.setdefault("oidc_clients", {})
    cached = clients.get(provider.name)
    if cached is not None and cached[0] == provider:
        loaded_at = cached[1].server_metadata.get("_loaded_at")
        # Authlib notes when it read the document by the system's clock (time.time()).
        if loaded_at is None or clock.now().timestamp() - loaded_at < METADATA_LIFETIME_SECONDS:
            return cached[1]
    client = FlaskOAuth2App(
        FlaskIntegration(provider.name),
        name=provider.name,
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        server_metadata_url=provider.issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={
            "scope": provider.scopes,
            "code_challenge_method": "S256",
            "default_timeout": current_app.config.get("OIDC_TIMEOUT_SECONDS", 5),
        },
    )
    clients[provider.name] = (provider, client)
    return client


def _forget(provider: Provider) -> None:
    current_app.extensions.get("oidc_clients", {}).pop(provider.name, None)


def _metadata(provider: Provider, client: FlaskOAuth2App) -> dict:
    """The provider's discovery document, checked to be one for the configured issuer.

    :raise ProviderUnavailable: when it cannot be read or is not a discovery document.
    """
    try:
        metadata = client.load_server_metadata()
    except (requests.RequestException, ValueError) as error:
        _forget(provider)
        raise ProviderUnavailable(provider, f"discovery: {type(error).__name__}") from error
    # OpenID Connect Discovery 1.0, section 4.3: the document names the issuer we asked.
    if metadata.get("issuer") != provider.issuer or not all(
        isinstance(metadata.get(key), str) and metadata[key].startswith(("https://", "http://"))
        for key in ("authorization_endpoint", "token_endpoint", "jwks_uri")
    ):
        _forget(provider)
        raise ProviderUnavailable(provider, "discovery: not a discovery document for the issuer")
    return metadata


def authorization_request(provider: Provider, redirect_uri: str, *,
                          reauth: bool = False) -> tuple[str, dict]:
    """Where to send the browser to sign in at `provider`, and what to keep until it comes
    back (state, nonce, PKCE verifier, the time asked). `reauth` asks the provider to make the
    person sign in again, now, even if they are signed in there already.

    :raise ProviderUnavailable: when its discovery document cannot be read.
    """
    client = _client(provider)
    _metadata(provider, client)
    extra: dict[str, object] = {}
    if provider.acr_values:
        extra["acr_values"] = provider.acr_values
    if reauth:
        extra["prompt"] = "login"
        extra["max_age"] = 0
    request = client.create_authorization_url(redirect_uri, **extra)
    flow = {"state": request["state"], "nonce": request["nonce"],
            "code_verifier": request["code_verifier"], "asked_at": int(clock.now().timestamp())}
    return request["url"], flow


# Messages for each check an answer can fail; the reader is told which, in their language.
REFUSALS = {
    "state": _l("This sign-in was not started here, or it was finished already. Start again from "
                "the sign-in page."),
    "code": _l("%(provider)s did not accept this sign-in (it may have been used already, or taken "
               "too long). Start again from the sign-in page."),
    "no_id_token": _l("%(provider)s did not say who you are. Start again, or sign in another way."),
    "signature": _l("The answer from %(provider)s was not signed with its key, so it cannot be "
                    "trusted. Nobody is signed in."),
    "audience": _l("The answer from %(provider)s was meant for another service. Nobody is signed "
                   "in."),
    "issuer": _l("The answer came from someone other than %(provider)s. Nobody is signed in."),
    "expired": _l("The answer from %(provider)s has expired. Start again from the sign-in page."),
    "nonce": _l("The answer from %(provider)s belongs to another sign-in. Start again from the "
                "sign-in page."),
    "token": _l("The answer from %(provider)s could not be checked. Nobody is signed in."),
    "subject": _l("%(provider)s did not say who you are. Start again, or sign in another way."),
    "not_fresh": _l("%(provider)s did not ask you to sign in again. Try once more."),
}


def refused(provider: Provider, reason: str) -> SignInRefused:
    return SignInRefused(reason, REFUSALS[reason] % {"provider": provider.display_name})


def _claim_problem(error: ClaimError) -> str:
    if isinstance(error, ExpiredTokenError):
        return "expired"
    return {"aud": "audience", "iss": "issuer", "nonce": "nonce", "exp": "expired",
            "azp": "audience"}.get(error.claim, "token")


def verified_claims(provider: Provider, flow: dict, code: str, redirect_uri: str) -> dict:
    """Trade the authorization `code` for tokens and return the ID token's claims, once its
    signature, issuer, audience, expiry and nonce are checked.

    :raise SignInRefused: when the provider refuses the code or a check fails.
    :raise ProviderUnavailable: when the provider does not answer, or not in OpenID Connect.
    """
    client = _client(provider)
    _metadata(provider, client)
    try:
        token = client.fetch_access_token(redirect_uri=redirect_uri, code=code,
                                          code_verifier=flow["code_verifier"])
    except OAuthError as error:
        if error.error == "invalid_grant":
            raise refused(provider, "code") from error
        # invalid_client and the like: our registration at the provider is wrong.
        raise ProviderUnavailable(provider, f"token: {error.error}") from error
    except (requests.RequestException, ValueError) as error:
        raise ProviderUnavailable(provider, f"token: {type(error).__name__}") from error
    if not isinstance(token, dict) or not isinstance(token.get("id_token"), str):
        # Authlib's parse_id_token quietly returns None without one: we do not.
        raise refused(provider, "no_id_token")
    # Authlib checks the issuer only against the discovery document, and the audience only
    # through azp; name both, so a token for another client (with our azp) is refused too.
    options = {"iss": {"essential": True, "value": provider.issuer},
               "aud": {"essential": True, "value": provider.client_id},
               "exp": {"essential": True}}
    try:
        claims = client.parse_id_token(token, nonce=flow["nonce"], claims_options=options,
                                       leeway=CLOCK_LEEWAY_SECONDS)
    except ClaimError as error:
        raise refused(provider, _claim_problem(error)) from error
    except (BadSignatureError, InvalidKeyIdError) as error:
        raise refused(provider, "signature") from error
    except JoseError as error:
        raise refused(provider, "token") from error
    except (requests.RequestException, ValueError) as error:
        # The keys could not be read.
        raise ProviderUnavailable(provider, f"jwks: {type(error).__name__}") from error
    return dict(claims)


# --- What the claims say ----------------------------------------------------------------------

def subject(provider: Provider, claims: dict) -> str:
    """The value of the provider's identifying claim (pid, oid, sub).

    :raise SignInRefused: when the token has none.
    """
    value = claims.get(provider.subject_claim)
    if not isinstance(value, str | int) or not str(value).strip() or len(str(value)) > 255:
        raise refused(provider, "subject")
    return str(value)


def label(claims: dict) -> str:
    """What to call the identity on the account page: its e-mail, else the person's name."""
    for key in ("email", "preferred_username", "name"):
        if isinstance(claims.get(key), str) and claims[key].strip():
            return claims[key].strip()[:254]
    return ""


def two_factors(provider: Provider, claims: dict) -> bool:
    """Whether the provider says the person used two factors (its acr, or an amr value)."""
    amr = claims.get("amr")
    amr = amr if isinstance(amr, list) else []
    return (claims.get("acr") in provider.two_factor_acr
            or any(value in provider.two_factor_amr for value in amr))


def verified_email(provider: Provider, claims: dict) -> str | None:
    """The e-mail the provider vouches for, for a provider that matches staff by e-mail.

    With a tenant configured (Entra ID) the token must come from that tenant (`tid`), for one
    of its own members, not a guest (`acct` 1, a B2B account whose `tid` is the host's), and
    its `email` must be one the tenant verified: `xms_edov` true (the domain is verified in
    the tenant), or a domain in `email_domains`. An address the user typed into their profile
    is not enough, nor is `preferred_username` (any text the tenant's users may be given).
    Without a tenant, only an `email` with `email_verified` true counts, and, when
    `email_domains` is set, only in one of them.
    """
    if not provider.match_email:
        return None
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email:
        return None
    email = email.strip().lower()
    in_domains = email.rpartition("@")[2] in provider.email_domains
    if provider.tenant:
        if (claims.get("tid") != provider.tenant or claims.get("acct") == 1
                or claims.get("email_verified") is False):
            return None
        if claims.get("xms_edov") not in (True, 1, "1", "true") and not in_domains:
            return None
    elif claims.get("email_verified") is not True or (provider.email_domains and not in_domains):
        return None
    return email


# --- Identities linked to users ---------------------------------------------------------------

def find_identity(provider: Provider, subject_value: str) -> ExternalIdentity | None:
    return db.session.scalar(select(ExternalIdentity).where(
        ExternalIdentity.provider == provider.name, ExternalIdentity.subject == subject_value))


def staff_with_email(email: str, provider: Provider) -> User | None:
    """The active staff account with this e-mail, if any (nobody else is matched by e-mail),
    that has no identity at `provider` yet: once one is linked, only that one signs in, so a
    second person given the address later (or a renamed account) does not get in beside it."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.lower()))
    if user is None or not user.active or not user.is_staff:
        return None
    linked = db.session.scalar(select(ExternalIdentity.id).where(
        ExternalIdentity.user_id == user.id, ExternalIdentity.provider == provider.name))
    return None if linked is not None else user


def link(user: User, provider: Provider, subject_value: str, label_text: str) -> ExternalIdentity:
    """Link the identity to `user` (flushed); linking one already theirs changes nothing.

    :raise DomainError: when the identity is linked to another account (not saying whose).
    """
    identity = find_identity(provider, subject_value)
    if identity is not None:
        if identity.user_id != user.id:
            raise DomainError(_l("This %(provider)s identity is linked to another account in the "
                                 "tracker. Sign in with it there, or ask the programme's "
                                 "coordinators.", provider=provider.display_name))
        return identity
    identity = ExternalIdentity(user=user, provider=provider.name, subject=subject_value,
                                label=label_text, created_at=clock.now())
    db.session.add(identity)
    db.session.flush()
    return identity


def identities_of(user: User) -> list[ExternalIdentity]:
    return list(db.session.scalars(select(ExternalIdentity)
                                   .where(ExternalIdentity.user_id == user.id)
                                   .order_by(ExternalIdentity.created_at, ExternalIdentity.id)))


def get_identity_or_404(identity_id: int, user: User) -> ExternalIdentity:
    """One of `user`'s own identities.

    :raise 404: when there is none by that id, or it is someone else's.
    """
    identity = db.session.get(ExternalIdentity, identity_id)
    if identity is None or identity.user_id != user.id:
        abort(404)
    return identity


def unlink(identity: ExternalIdentity) -> None:
    """Remove an identity from its user while another way in remains (a password, or another
    identity of a provider still configured).

    :raise DomainError: when it is the user's last way to sign in.
    """
    user = identity.user
    configured = {provider.name for provider in providers()}
    others = [other for other in identities_of(user)
              if other.id != identity.id and other.provider in configured]
    if not user.has_password and not others:
        raise DomainError(_l("This is your last way to sign in, so it cannot be removed. Set a "
                             "password or link another identity first."))
    db.session.delete(identity)
    db.session.flush()
