import pytest

from pht_clinic.gunicorn_logging import redact


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("GET /p/abc_DEF-123/ HTTP/1.1", "GET /p/[redacted]/ HTTP/1.1"),
        ("GET /p/abc/programme.pdf HTTP/1.1", "GET /p/[redacted]/programme.pdf HTTP/1.1"),
        ("POST /d/xyz/ HTTP/1.1", "POST /d/[redacted]/ HTTP/1.1"),
        ("GET /invitation/tok/ HTTP/1.1", "GET /invitation/[redacted]/ HTTP/1.1"),
        ("GET /password-reset/MQ/c0-abc/ HTTP/1.1", "GET /password-reset/[redacted]/ HTTP/1.1"),
        ("GET /patients/ HTTP/1.1", "GET /patients/ HTTP/1.1"),
        ("GET /password-reset/sent/ HTTP/1.1", "GET /password-reset/sent/ HTTP/1.1"),
    ],
)
def test_tokens_never_reach_the_access_log(line, expected):
    assert redact(line) == expected
