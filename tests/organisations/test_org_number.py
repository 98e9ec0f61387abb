import pytest
from flask_babel import force_locale

from tracker.domain import DomainError
from tracker.organisations.services import is_valid_org_number, normalise_org_number

# Real numbers from Enhetsregisteret (DOMAIN.md); each one's last digit is its MOD11 check digit.
VALID = ["912660680", "972417882", "983544622", "970205039", "889640782", "999601391"]


@pytest.mark.parametrize("number", VALID)
def test_real_numbers_are_valid(number):
    assert is_valid_org_number(number)


@pytest.mark.parametrize("number", VALID)
def test_any_other_check_digit_is_refused(number):
    for digit in "0123456789":
        if digit != number[8]:
            assert not is_valid_org_number(number[:8] + digit)


@pytest.mark.parametrize(
    "number",
    [
        "",
        "97241788",  # eight digits
        "9724178820",  # ten digits
        "97241788X",
        "972 417 882",  # spaces are for people; the check takes digits only
        "٩٧٢٤١٧٨٨٢",  # Arabic-Indic digits are digits to Python, not to the register
    ],
)
def test_malformed_numbers_are_refused(number):
    assert not is_valid_org_number(number)


def test_remainder_of_one_has_no_check_digit():
    # 40000000x: 3*4 = 12 = 1 (mod 11), so no ninth digit can make it valid.
    assert all(not is_valid_org_number(f"40000000{d}") for d in "0123456789")


def test_remainder_of_zero_gives_check_digit_zero():
    # 000000000 sums to 0; 300000000 sums to 9 -> 11 - 9 = 2; 110000000 sums to 5 -> 6.
    assert is_valid_org_number("000000000")
    assert not is_valid_org_number("000000001")
    assert is_valid_org_number("300000002")
    assert is_valid_org_number("110000006")


def test_normalise_accepts_spaces_and_blank():
    assert normalise_org_number(" 972 417 882 ") == "972417882"
    assert normalise_org_number("") is None
    assert normalise_org_number(None) is None


def test_normalise_names_the_field_on_a_wrong_number(app):
    with pytest.raises(DomainError) as error:
        normalise_org_number("972417883")
    assert error.value.field == "org_number"
    with force_locale("en"):
        assert "check digit" in str(error.value)
    with force_locale("nb"):
        assert "kontrollsiffer" in str(error.value)
