"""Local SMTP servers for the email node's tests, on a free port of 127.0.0.1.

`SMTPSink` speaks enough SMTP for smtplib (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT)
and records each message's envelope sender, envelope recipients and data. `SilentSMTP`
accepts connections and never says a word (not even the greeting), and records when the
client hung up: a client that keeps no deadline would wait for it forever."""

from __future__ import annotations

import contextlib
import socket
import threading
from dataclasses import dataclass, field

from tests.catalog.nodes.tcp import TCPServer

SILENT_MAX_S = 30.0  # a client that never hangs up is let go after this long


@dataclass
class Envelope:
    sender: str = ""
    recipients: list[str] = field(default_factory=list)
    data: str = ""


class _Server(TCPServer):
    name = "smtp"


class SMTPSink(_Server):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[Envelope] = []
        self.logins: list[str] = []  # AUTH PLAIN's decoded "\0user\0password"

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        reader = conn.makefile("rb")
        envelope = Envelope()

        def say(line: str) -> None:
            conn.sendall(line.encode() + b"\r\n")

        try:
            say("220 sink ESMTP")
            while not self.stopped.is_set():
                line = reader.readline().decode("utf-8", "replace").rstrip("\r\n")
                if not line:
                    return
                verb = line.split(" ", 1)[0].upper()
                if verb == "EHLO":
                    say("250-sink")
                    say("250-AUTH PLAIN")
                    say("250 8BITMIME")
                elif verb == "AUTH":
                    import base64

                    with self.lock:
                        self.logins.append(base64.b64decode(line.split(" ")[2]).decode())
                    say("235 accepted")
                elif verb == "HELO":
                    say("250 sink")
                elif verb == "MAIL":
                    envelope = Envelope(sender=line.split(":", 1)[1].strip().strip("<>").split(">")[0])
                    say("250 OK")
                elif verb == "RCPT":
                    envelope.recipients.append(line.split(":", 1)[1].strip().strip("<>").split(">")[0])
                    say("250 OK")
                elif verb == "DATA":
                    say("354 go on")
                    lines = []
                    while (data := reader.readline()) not in (b".\r\n", b""):
                        lines.append(data.decode("utf-8", "replace"))
                    envelope.data = "".join(lines)
                    with self.lock:
                        self.messages.append(envelope)
                    say("250 queued")
                elif verb == "QUIT":
                    say("221 bye")
                    return
                else:  # RSET, NOOP
                    say("250 OK")
        except OSError:
            pass
        finally:
            reader.close()
            conn.close()


class SilentSMTP(_Server):
    def __init__(self) -> None:
        super().__init__()
        self.hung_up = threading.Event()  # a client closed its connection

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(0.1)
        waited = 0.0
        try:
            while not self.stopped.is_set() and waited < SILENT_MAX_S:
                try:
                    if conn.recv(4096) == b"":
                        self.hung_up.set()
                        return
                except TimeoutError:
                    waited += 0.1
        except OSError:
            self.hung_up.set()
        finally:
            with contextlib.suppress(OSError):
                conn.close()
