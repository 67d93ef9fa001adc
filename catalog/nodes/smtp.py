"""Django's SMTP backend, each connection ending by its step's deadline.

smtplib's timeout is per socket operation, and Django's default is none: a mail server
that accepts the connection and never answers kept an email step's guard thread and its
socket forever, and one that answers a byte at a time would too with any timeout. Inside
`deadline(at)` every operation of a connection opened by this backend ends by `at` (a
time.monotonic() value): the connect, the TLS handshake, each command sent and each
reply read, the time left being worked out again for every read. Past it the operation
raises TimeoutError, smtplib closes the socket and reports the server disconnected.

MAILERS (config/settings/email.py) names this backend wherever Django's SMTP backend
would be used; outside `deadline` it is Django's."""

from __future__ import annotations

import contextlib
import io
import smtplib
import socket
import time
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from typing import Any

from django.core.mail.backends.smtp import EmailBackend as DjangoSMTPBackend

from catalog.nodes.net import allowed_address

_deadline: ContextVar[float | None] = ContextVar("stepwise_smtp_deadline", default=None)


@contextlib.contextmanager
def deadline(at: float | None) -> Iterator[None]:
    """SMTP connections opened inside end every operation by `at` (None: no deadline)."""
    token = _deadline.set(at)
    try:
        yield
    finally:
        _deadline.reset(token)


def _left(at: float) -> float:
    left = at - time.monotonic()
    if left <= 0:
        raise TimeoutError("the step's deadline passed")
    return left


class _DeadlineReader(io.RawIOBase):
    """The socket read with a timeout of the time left before the deadline, computed again
    for each read: a server sending a byte a second cannot stretch a reply past it."""

    def __init__(self, sock: socket.socket, at: float) -> None:
        self._sock = sock
        self._at = at

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        self._sock.settimeout(_left(self._at))
        return self._sock.recv_into(buffer)


class _Deadlined(smtplib.SMTP):
    """smtplib's SMTP (or SMTP_SSL, mixed in before it) within the deadline in force
    when it was made."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._at = _deadline.get()
        super().__init__(*args, **kwargs)

    def _get_socket(self, host: str, port: int, timeout: Any) -> socket.socket:
        if self._at is not None:
            left = _left(self._at)
            timeout = left if not isinstance(timeout, int | float) else min(timeout, left)
        return super()._get_socket(host, port, timeout)  # type: ignore[misc, no-any-return]

    def send(self, s: Any) -> None:
        if self._at is not None and self.sock is not None:
            try:
                self.sock.settimeout(_left(self._at))
            except TimeoutError:
                self.close()
                raise smtplib.SMTPServerDisconnected("The step's deadline passed.") from None
        super().send(s)

    def getreply(self) -> tuple[int, bytes]:
        if self._at is not None and self.file is None and self.sock is not None:
            self.file = io.BufferedReader(_DeadlineReader(self.sock, self._at))
        return super().getreply()


class DeadlineSMTP(_Deadlined):
    pass


class DeadlineSMTPSSL(_Deadlined, smtplib.SMTP_SSL):
    pass


class EmailBackend(DjangoSMTPBackend):
    """`server_name`: connect to `host` (an address already checked against the address
    policy) but greet, and verify TLS, as this name (a credential's mail server)."""

    def __init__(self, *args: Any, server_name: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.server_name = server_name

    @property
    def connection_class(self) -> type[smtplib.SMTP]:
        base = DeadlineSMTPSSL if self.use_ssl else DeadlineSMTP
        name = self.server_name
        if name is None:
            return base

        class Pinned(base):  # type: ignore[valid-type, misc]
            def _get_socket(self, host: str, port: int, timeout: Any) -> socket.socket:
                self._host = name  # TLS's server name (SNI, certificate), not the address dialled
                return super()._get_socket(host, port, timeout)  # type: ignore[no-any-return]

            def starttls(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
                self._host = name
                return super().starttls(*args, **kwargs)  # type: ignore[no-any-return]

        return Pinned


def credential_backend(server: Mapping[str, Any], timeout_s: float | None, *, alias: str) -> EmailBackend:
    """A backend for an SMTP credential's server (catalog.credentials: host, port, security,
    username, password), dialling an address of its host that the HTTP node's address
    policy allows (a user's mail server is no way into the private network) and greeting
    and verifying TLS as the host's name. BlockedAddress when no address is allowed;
    httpcore's ConnectTimeout or ConnectError when the name does not resolve in time."""
    host, port = str(server["host"]), int(server["port"])
    security = server.get("security", "starttls")
    return EmailBackend(
        host=allowed_address(host, port, timeout_s),
        port=port,
        username=str(server.get("username") or ""),
        password=str(server.get("password") or ""),
        use_tls=security == "starttls",
        use_ssl=security == "tls",
        fail_silently=False,
        timeout=timeout_s,
        server_name=host,
        alias=alias,  # configured here, not by MAILERS
    )
