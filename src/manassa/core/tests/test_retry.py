import random
from datetime import timedelta

from manassa.core.retry import backoff_delay, parse_retry_after


def test_backoff_grows_and_is_capped():
    rng = random.Random(1)
    delays = [backoff_delay(n, jitter=0, rng=rng) for n in range(1, 10)]
    assert delays[:4] == [timedelta(seconds=30), timedelta(seconds=60), timedelta(seconds=120), timedelta(seconds=240)]
    assert delays[-1] == timedelta(hours=1)


def test_backoff_jitter_stays_within_its_band():
    rng = random.Random(7)
    for _ in range(200):
        seconds = backoff_delay(3, rng=rng).total_seconds()
        assert 96 <= seconds <= 144


def test_retry_after_in_seconds_only():
    assert parse_retry_after("120") == timedelta(seconds=120)
    assert parse_retry_after("999999") == timedelta(hours=1)
    assert parse_retry_after("Wed, 21 Oct 2026 07:28:00 GMT") is None
    assert parse_retry_after(None) is None
