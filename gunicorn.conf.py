"""Gunicorn settings read automatically from the working directory (``make run``, systemd).

Only what the application needs everywhere: seat tokens (``/s/<token>``) never reach the access log.
"""

logger_class = "evalflow.shared.accesslog.RedactingLogger"
