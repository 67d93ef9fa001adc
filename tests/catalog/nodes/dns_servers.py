"""Local DNS servers over UDP on a free port of 127.0.0.1, for the HTTP node's resolution
(STEPWISE_HTTP_NAMESERVERS). `SilentDNS` reads every query and never answers, as a hung
resolver does. `AnsweringDNS` answers A queries for the names it is given (AAAA with no
record, any other name NXDOMAIN), its messages built by dnspython."""

from __future__ import annotations

import socket
import threading

import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset


class _UDPServer:
    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.queries: list[str] = []
        self.stopped = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True, name="dns-test-server")

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.sock.getsockname()[1]}"

    def __enter__(self):  # type: ignore[no-untyped-def]
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self._thread.join(5)
        self.sock.close()

    def _serve(self) -> None:
        while not self.stopped.is_set():
            try:
                wire, client = self.sock.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            query = dns.message.from_wire(wire)
            self.queries.append(f"{query.question[0].name.to_text(omit_final_dot=True)} {dns.rdatatype.to_text(query.question[0].rdtype)}")
            answer = self.answer(query)
            if answer is not None:
                self.sock.sendto(answer.to_wire(), client)

    def answer(self, query: dns.message.Message) -> dns.message.Message | None:
        raise NotImplementedError


class SilentDNS(_UDPServer):
    def answer(self, query: dns.message.Message) -> dns.message.Message | None:
        return None


class AnsweringDNS(_UDPServer):
    def __init__(self, records: dict[str, str]) -> None:
        super().__init__()
        self.records = records

    def answer(self, query: dns.message.Message) -> dns.message.Message | None:
        response = dns.message.make_response(query)
        question = query.question[0]
        name = question.name.to_text(omit_final_dot=True)
        if name not in self.records:
            response.set_rcode(dns.rcode.NXDOMAIN)
        elif question.rdtype == dns.rdatatype.A:
            response.answer.append(dns.rrset.from_text(question.name, 60, "IN", "A", self.records[name]))
        return response
