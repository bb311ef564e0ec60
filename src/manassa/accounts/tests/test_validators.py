import pytest
from django.core.exceptions import ValidationError

from manassa.accounts.validators import luhn_valid, normalize_emirates_id, normalize_uae_mobile


def _with_check_digit(first14: str) -> str:
    for digit in "0123456789":
        if luhn_valid(first14 + digit):
            return first14 + digit
    raise AssertionError("unreachable")


VALID = _with_check_digit("78419901234567")


@pytest.mark.parametrize("raw", [
    VALID,
    f"{VALID[:3]}-{VALID[3:7]}-{VALID[7:14]}-{VALID[14]}",
    f"{VALID[:3]} {VALID[3:7]} {VALID[7:14]} {VALID[14]}",
    VALID.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")),
])
def test_emirates_id_accepts_common_spellings(raw):
    assert normalize_emirates_id(raw) == f"{VALID[:3]}-{VALID[3:7]}-{VALID[7:14]}-{VALID[14]}"


def test_emirates_id_check_digit_is_verified():
    wrong = VALID[:14] + str((int(VALID[14]) + 1) % 10)
    with pytest.raises(ValidationError) as exc:
        normalize_emirates_id(wrong)
    assert exc.value.code == "emirates_id_checksum"


@pytest.mark.parametrize("raw", ["", "123-4567-1234567-1", "784-1990-123456-1", "784199012345678X", "7841990123456789"])
def test_emirates_id_format_errors(raw):
    with pytest.raises(ValidationError) as exc:
        normalize_emirates_id(raw)
    assert exc.value.code == "emirates_id_format"


@pytest.mark.parametrize(("raw", "expected"), [
    ("0501234567", "+971501234567"),
    ("050 123 4567", "+971501234567"),
    ("+971 55 123 4567", "+971551234567"),
    ("00971561234567", "+971561234567"),
    ("971581234567", "+971581234567"),
    ("52-123-4567", "+971521234567"),
    ("٠٥٤١٢٣٤٥٦٧", "+971541234567"),
])
def test_uae_mobile_formats(raw, expected):
    assert normalize_uae_mobile(raw) == expected


@pytest.mark.parametrize("raw", ["", "0412345678", "+97150123456", "+966501234567", "0591234567", "05012345678"])
def test_uae_mobile_rejects_other_numbers(raw):
    with pytest.raises(ValidationError):
        normalize_uae_mobile(raw)
