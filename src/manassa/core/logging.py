import logging

from manassa.core import context


class RequestContextFilter(logging.Filter):
    """Adds the current request id to every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = context.current().request_id
        return True
