"""Formatting money held as integer fils."""

def test_a_negative_amount_is_the_amount_with_a_minus_sign():
    from django.utils import translation

    from manassa.core.money import format_money

    with translation.override("en"):
        assert format_money(-2550) == "−25.50 AED"
        assert format_money(-5) == "−0.05 AED"
        assert format_money(2550) == "25.50 AED"
