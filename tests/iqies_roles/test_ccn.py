import pytest
from django.core.exceptions import ValidationError

from iqies_roles.ccn import ccn_state, normalize_ccn, validate_ccn


@pytest.mark.parametrize("ccn", ["210001", "49-5001", " 39 0111 ", "05A123", "680001"])
def test_valid_ccns(ccn):
    validate_ccn(ccn)


@pytest.mark.parametrize(
    ("ccn", "why"),
    [
        ("21001", "has 5"),
        ("2100011", "has 7"),
        ("A10001", "starts with two digits"),
        ("21000!", "starts with two digits"),
        ("990001", "not a state code"),
        ("540001", "not a state code"),
        ("", "has 0"),
    ],
)
def test_invalid_ccns_say_why(ccn, why):
    with pytest.raises(ValidationError, match=why):
        validate_ccn(ccn)


def test_the_state_comes_from_the_first_two_digits():
    assert ccn_state("210001") == "MD"
    assert ccn_state("49-5001") == "VA"
    assert normalize_ccn(" 05a 123") == "05A123"
