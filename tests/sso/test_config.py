"""Single sign-on settings from the environment (config.oidc_providers_from_environment)."""
import pytest

from config import oidc_providers_from_environment

IDPORTEN = {
    "OIDC_PROVIDERS": "idporten, Entra",
    "OIDC_IDPORTEN_ISSUER": "https://test.idporten.no",
    "OIDC_IDPORTEN_CLIENT_ID": "client-1",
    "OIDC_IDPORTEN_CLIENT_SECRET": "secret-1",
    "OIDC_IDPORTEN_NAME": "ID-porten",
    "OIDC_IDPORTEN_SUBJECT_CLAIM": "pid",
    "OIDC_IDPORTEN_SCOPES": "openid profile",
    "OIDC_IDPORTEN_ACR_VALUES": "idporten-loa-substantial",
    "OIDC_IDPORTEN_TWO_FACTOR_ACR": "idporten-loa-substantial,idporten-loa-high",
    "OIDC_ENTRA_ISSUER": "https://login.microsoftonline.com/t-1/v2.0",
    "OIDC_ENTRA_CLIENT_ID": "client-2",
    "OIDC_ENTRA_MATCH_EMAIL": "1",
    "OIDC_ENTRA_TENANT": "t-1",
}


def test_each_named_provider_is_read_with_its_settings_and_defaults():
    providers = oidc_providers_from_environment(IDPORTEN)
    assert list(providers) == ["idporten", "entra"]
    idporten, entra = providers["idporten"], providers["entra"]
    assert idporten["subject_claim"] == "pid" and idporten["scopes"] == "openid profile"
    assert idporten["two_factor_acr"] == ["idporten-loa-substantial", "idporten-loa-high"]
    assert idporten["match_email"] is False
    assert entra["name"] == "entra" and entra["subject_claim"] == "sub"
    assert entra["scopes"] == "openid" and entra["two_factor_amr"] == ["mfa"]
    assert entra["match_email"] is True and entra["tenant"] == "t-1"


def test_no_providers_by_default():
    assert oidc_providers_from_environment({}) == {}


@pytest.mark.parametrize("environ, words", [
    ({"OIDC_PROVIDERS": "x", "OIDC_X_CLIENT_ID": "c"}, "OIDC_X_ISSUER is not set"),
    ({"OIDC_PROVIDERS": "x", "OIDC_X_ISSUER": "https://x"}, "OIDC_X_CLIENT_ID is not set"),
    ({"OIDC_PROVIDERS": "../x"}, "not a name of letters and digits"),
])
def test_a_provider_missing_a_setting_stops_the_app(environ, words):
    with pytest.raises(RuntimeError, match=words):
        oidc_providers_from_environment(environ)


def test_the_app_lists_the_configured_providers(app, providers):
    from tracker.auth.oidc import providers as configured

    with app.app_context():
        assert [(p.name, p.display_name) for p in configured()] == [
            ("idporten", "ID-porten"), ("entra", "Entra ID")]


def test_the_email_domains_are_a_list_in_lower_case():
    providers = oidc_providers_from_environment(
        {**IDPORTEN, "OIDC_ENTRA_EMAIL_DOMAINS": "DFO.no, @dss.dep.no"})
    assert providers["entra"]["email_domains"] == ["dfo.no", "dss.dep.no"]
    assert providers["idporten"]["email_domains"] == []
