"""Channel backends: how a rendered message leaves the platform. One interface, one backend per channel.

``send(delivery)`` returns the provider's message id, or raises
``TemporaryFailure`` (tried again with back-off; ``retry_after`` from the
provider wins when longer) or ``PermanentFailure`` (the delivery fails).

- in_app: a ``Notice`` row, written in the transaction of the change itself.
- email: Django's e-mail (``EMAIL_BACKEND``: the file backend in development,
  SMTP in production, locmem in tests), plain text with an HTML alternative
  in the recipient's language and direction.
- sms: an HTTP gateway (``MANASSA_SMS_GATEWAY_URL``) or, without one, a file
  (or the console) for development.
"""

from __future__ import annotations

import json
import smtplib
import sys
import urllib.error
import urllib.request
from datetime import timedelta
from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone

from manassa.core.retry import parse_retry_after
from manassa.notifications import conf


class TemporaryFailure(Exception):
    def __init__(self, message: str, *, retry_after: timedelta | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentFailure(Exception):
    pass


class ChannelBackend(Protocol):
    def send(self, delivery) -> str: ...


class InAppChannel:
    def send(self, delivery) -> str:
        from manassa.applications.models import Notice

        # Both languages when the caller rendered them (the page shows its own), else the recipient's in both.
        bodies = getattr(delivery, "bodies", None) or {"ar": delivery.body, "en": delivery.body}
        notice = Notice.objects.create(user_id=delivery.recipient_id, application_id=delivery.application_id,
                                       message_ar=bodies["ar"][:300], message_en=bodies["en"][:300])
        return f"notice:{notice.pk}"


class EmailChannel:
    def send(self, delivery) -> str:
        if not delivery.address:
            raise PermanentFailure("no e-mail address")
        domain = (settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >") or "manassa.local")
        message_id = f"<{delivery.key}@{domain}>"
        html = render_to_string("notifications/email.html", {
            "subject": delivery.subject, "paragraphs": [p for p in delivery.body.split("\n\n") if p.strip()],
            "language": delivery.language, "direction": "rtl" if delivery.language == "ar" else "ltr"})
        message = EmailMultiAlternatives(
            subject=delivery.subject, body=delivery.body, to=[delivery.address],
            headers={"Message-ID": message_id, "Content-Language": delivery.language})
        message.attach_alternative(html, "text/html")
        try:
            message.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentFailure(f"recipient refused: {exc}") from exc
        except smtplib.SMTPResponseException as exc:
            if 500 <= exc.smtp_code < 600:
                raise PermanentFailure(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}") from exc
            raise TemporaryFailure(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise TemporaryFailure(f"SMTP: {exc}") from exc
        return message_id


class SmsHttpGateway:
    """A JSON-over-HTTP SMS gateway: ``POST {url}`` with ``{"to", "text", "sender", "reference"}``.

    The delivery's key goes in ``Idempotency-Key``, so a message tried again
    after a crash is not sent twice by a gateway that honours it. 2xx: sent
    (``{"id": …}``); 408, 429 and 5xx, timeouts and refused connections: tried
    again (``Retry-After`` respected); any other 4xx: failed.
    """

    def __init__(self, url: str, token: str = "", timeout: float = 10.0) -> None:
        self.url, self.token, self.timeout = url, token, timeout

    def send(self, delivery) -> str:
        if not delivery.address:
            raise PermanentFailure("no mobile number")
        payload = json.dumps({"to": delivery.address, "text": delivery.body, "sender": conf.sms_sender(),
                              "reference": str(delivery.key)}).encode()
        headers = {"Content-Type": "application/json", "Idempotency-Key": str(delivery.key)}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.url, data=payload, headers=headers, method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                body = response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read(300).decode("utf-8", "replace")
            exc.close()
            message = f"HTTP {exc.code}: {detail}".strip()
            if exc.code in (408, 429) or exc.code >= 500:
                raise TemporaryFailure(message, retry_after=parse_retry_after(exc.headers.get("Retry-After"))) from exc
            raise PermanentFailure(message) from exc
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            raise TemporaryFailure(f"gateway unreachable: {exc}") from exc
        try:
            return str(json.loads(body or b"{}").get("id") or "")
        except ValueError:
            return ""


class SmsFileBackend:
    """Development: each message is a JSON line in ``MANASSA_SMS_FILE_PATH/<date>.jsonl`` (or on stdout)."""

    def __init__(self, *, console: bool = False) -> None:
        self.console = console

    def send(self, delivery) -> str:
        if not delivery.address:
            raise PermanentFailure("no mobile number")
        line = json.dumps({"at": timezone.now().isoformat(), "to": delivery.address, "text": delivery.body,
                           "reference": str(delivery.key)}, ensure_ascii=False)
        if self.console:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()
        else:
            folder = conf.sms_file_path()
            folder.mkdir(parents=True, exist_ok=True)
            with (folder / f"{timezone.now():%Y-%m-%d}.jsonl").open("a", encoding="utf-8") as out:
                out.write(line + "\n")
        return f"file:{delivery.key}"


def channel_backend(channel: str) -> ChannelBackend:
    if channel == "in_app":
        return InAppChannel()
    if channel == "email":
        return EmailChannel()
    if channel == "sms":
        backend = conf.sms_backend()
        if backend == "http":
            return SmsHttpGateway(conf.sms_gateway_url(), conf.sms_gateway_token(), conf.sms_timeout())
        return SmsFileBackend(console=backend == "console")
    raise ValueError(f"unknown channel {channel!r}")
