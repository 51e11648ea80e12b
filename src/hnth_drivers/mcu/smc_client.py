"""SOAP messages of our WSDL (zeep), and one bounded HTTPS exchange (for ``smc``).

zeep builds each request envelope and reads each reply, from the WSDL shipped in the
package (loaded once, strictly, fetching nothing). The HTTP exchange is ours and small, so
that it can move to the shared size-bounded exchange of ``transport.https`` later:

- a reply is read up to ``max_reply_bytes`` *decoded* bytes (a gzip bomb stops there);
  ``Content-Encoding`` is decoded once, by httpx, and never again;
- before zeep sees a reply, :func:`precheck` refuses a DTD, entities, processing
  instructions, more than :data:`MAX_DEPTH` levels, more than :data:`MAX_ATTRIBUTES`
  attributes on one element or more than :data:`MAX_ELEMENTS` elements (zeep's parse time
  grows with the square of one element's attributes);
- the precheck and zeep's parse run in a worker thread, so a hostile reply never blocks
  the event loop, and the caller's deadline holds whatever the peer sends;
- bodies are never logged (they carry the login challenge and its answer).
"""

from __future__ import annotations

import functools
import xml.parsers.expat
from dataclasses import dataclass
from typing import Any, Final

import httpx
import zeep
from lxml import etree  # type: ignore[import-untyped]
from zeep.exceptions import Fault
from zeep.loader import parse_xml

from ..errors import ProtocolError
from .smc_protocol import NAMESPACE, PORTS, WSDL_PATH, service_of

__all__ = ["MAX_ATTRIBUTES", "MAX_DEPTH", "MAX_ELEMENTS", "SAFE_SETTINGS", "HostileReply",
           "Reply", "ReplyTooLarge", "SoapCodec", "codec", "post", "precheck"]

SAFE_SETTINGS: Final = zeep.Settings(strict=True, forbid_dtd=True, forbid_entities=True,
                                     forbid_external=True, xml_huge_tree=False)
MAX_DEPTH: Final = 32
_SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
MAX_ATTRIBUTES: Final = 32
MAX_ELEMENTS: Final = 200_000


class ReplyTooLarge(ProtocolError):
    """The service answered more bytes than the driver reads."""


class HostileReply(ProtocolError):
    """A reply with a construct the driver refuses before parsing it."""


@dataclass(frozen=True, slots=True)
class Reply:
    """One HTTP reply, read whole and decoded once."""

    status_code: int
    headers: httpx.Headers
    content: bytes


class _Refused(Exception):
    pass


def precheck(content: bytes) -> None:
    """Refuse what zeep must not see (see the module docstring); HostileReply."""
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    depth = 0
    elements = 0

    def start(_name: str, attributes: dict[str, str]) -> None:
        nonlocal depth, elements
        depth += 1
        elements += 1
        if depth > MAX_DEPTH:
            raise _Refused(f"more than {MAX_DEPTH} levels")
        if len(attributes) > MAX_ATTRIBUTES:
            raise _Refused(f"more than {MAX_ATTRIBUTES} attributes on one element")
        if elements > MAX_ELEMENTS:
            raise _Refused(f"more than {MAX_ELEMENTS} elements")

    def end(_name: str) -> None:
        nonlocal depth
        depth -= 1

    def refuse(what: str) -> Any:
        def handler(*_args: object) -> None:
            raise _Refused(what)
        return handler

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.StartDoctypeDeclHandler = refuse("a DTD")
    parser.EntityDeclHandler = refuse("an entity declaration")
    parser.ExternalEntityRefHandler = refuse("an external entity")
    parser.ProcessingInstructionHandler = refuse("a processing instruction")
    try:
        parser.Parse(content, True)
    except _Refused as exc:
        raise HostileReply("refused SOAP reply", expected="a plain SOAP envelope",
                           got=str(exc)) from None
    except xml.parsers.expat.ExpatError as exc:
        raise HostileReply("not XML", expected="a SOAP envelope",
                           got=str(exc)[:80]) from None


def _refuse_fetch(url: str) -> bytes:
    raise ProtocolError("the smc driver fetches nothing to load its WSDL",
                        operation="load WSDL", got=str(url)[:120])


class SoapCodec:
    """Request envelopes and reply parsing for the operations of our WSDL."""

    def __init__(self) -> None:
        transport = zeep.Transport(session=None)  # type: ignore[no-untyped-call]
        # zeep loads the WSDL from disk; any import it names would need the network
        transport._load_remote_data = _refuse_fetch  # type: ignore[method-assign]
        self.client = zeep.Client(  # type: ignore[no-untyped-call]
            str(WSDL_PATH), transport=transport, settings=SAFE_SETTINGS)
        self._bindings: dict[str, Any] = {
            path: self.client.wsdl.bindings[f"{{{NAMESPACE}}}{port[:-4]}Binding"]
            for path, port in PORTS.items()}

    def operation(self, name: str) -> Any:
        """zeep's operation object for ``name``."""
        return self._bindings[service_of(name)].get(name)

    def envelope(self, name: str, params: dict[str, Any]) -> bytes:
        """The request envelope of ``name`` with ``params`` (ValidationError if invalid)."""
        operation = self.operation(name)
        message = operation.input.serialize(**params)
        return bytes(etree.tostring(message.content, xml_declaration=True, encoding="utf-8"))

    def parse(self, name: str, reply: Reply) -> Any:
        """The reply of ``name`` as zeep's value of its ``…Response`` element (Fault for a
        SOAP fault). Runs :func:`precheck` first."""
        precheck(reply.content)
        binding = self._bindings[service_of(name)]
        operation = binding.get(name)
        document = parse_xml(reply.content, self.client.transport, settings=SAFE_SETTINGS)
        body = document.find(f"{{{_SOAP_ENV}}}Body")
        if body is None or len(body) != 1:
            raise ProtocolError("no single element in the SOAP Body", operation=name,
                                expected=f"{name}Response or a Fault",
                                got=f"{0 if body is None else len(body)} elements")
        if body[0].tag == f"{{{_SOAP_ENV}}}Fault":
            binding.process_error(document, operation)
        element = operation.output.body
        if body[0].tag != element.qname.text:
            raise ProtocolError("unexpected reply element", operation=name,
                                expected=f"{name}Response", got=str(body[0].tag)[:80])
        if reply.status_code != 200:
            raise ProtocolError("unexpected HTTP status", operation=name, expected="200",
                                got=str(reply.status_code))
        return element.parse(body[0], self.client.wsdl.types)


@functools.cache
def codec() -> SoapCodec:
    """The process's codec (the WSDL is read once)."""
    return SoapCodec()


def parse_reply(name: str, reply: Reply) -> Any:
    """Precheck and parse one reply (for a worker thread); ProtocolError if unreadable."""
    try:
        return codec().parse(name, reply)
    except (Fault, ProtocolError):
        raise
    except Exception as exc:  # zeep and lxml raise many types for a bad document
        raise ProtocolError("unreadable SOAP reply", operation=name,
                            expected="a SOAP envelope matching the WSDL",
                            got=f"{type(exc).__name__}: {str(exc)[:100]}") from None


async def post(http: httpx.AsyncClient, url: str, body: bytes, *, action: str,
               cookie: str | None, max_reply_bytes: int) -> Reply:
    """POST one envelope; the reply is read whole up to ``max_reply_bytes`` decoded bytes."""
    headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{action}"'}
    if cookie:
        headers["Cookie"] = cookie
    async with http.stream("POST", url, content=body, headers=headers) as answer:
        declared = answer.headers.get("content-length", "")
        encoded = answer.headers.get("content-encoding", "identity").lower()
        if encoded in ("", "identity") and declared.isdigit() and \
                int(declared) > max_reply_bytes:
            raise ReplyTooLarge("reply too large", expected=f"at most {max_reply_bytes} "
                                "bytes", got=f"Content-Length {declared}")
        chunks, size = [], 0
        try:
            async for chunk in answer.aiter_bytes():
                size += len(chunk)
                if size > max_reply_bytes:
                    raise ReplyTooLarge("reply too large", expected=f"at most "
                                        f"{max_reply_bytes} bytes (decoded)",
                                        got=f"more, Content-Encoding {encoded[:20]}")
                chunks.append(chunk)
        except httpx.DecodingError as exc:
            raise ProtocolError("undecodable reply", expected="a body its Content-Encoding"
                                " describes", got=str(exc)[:80]) from None
        return Reply(answer.status_code, answer.headers, b"".join(chunks))
