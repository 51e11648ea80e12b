"""zeep's async SOAP client, made safe, over the policy's HTTPS transport (for ``smc``).

- The WSDL is the one shipped in the package, read from disk: nothing is fetched from the
  network to build the client, and the synchronous client zeep keeps for WSDL imports
  refuses every request (so no schema reference can make zeep fetch anything).
- Operations go through an ``httpx.AsyncClient`` from :func:`~hnth_drivers.transport.https.
  https_client` (verified TLS or a pinned certificate, the policy's minimum TLS version).
- Replies are read with a size bound before zeep sees them, and zeep parses them with
  :data:`SAFE_SETTINGS` (no DTD, no entities, no external references, no huge trees).
- Bodies are never logged (zeep's own transport logs them at debug level: they carry the
  login challenge and its answer).
"""

from __future__ import annotations

import ssl
from typing import Any

import httpx
import zeep
from zeep.exceptions import (
    DTDForbidden,
    EntitiesForbidden,
    ExternalReferenceForbidden,
    TransportError,
    ValidationError,
    XMLParseError,
    XMLSyntaxError,
)
from zeep.proxy import AsyncServiceProxy
from zeep.transports import AsyncTransport

from ..errors import ConfigError, ProtocolError
from .smc_protocol import NAMESPACE, WSDL_PATH

__all__ = ["HOSTILE_XML", "SAFE_SETTINGS", "ReplyTooLarge", "SafeTransport", "is_cert_failure",
           "service_proxy"]

SAFE_SETTINGS = zeep.Settings(strict=True, forbid_dtd=True, forbid_entities=True,
                              forbid_external=True, xml_huge_tree=False)
"""zeep settings of the ``smc`` driver (GOTCHAS.md: zeep's defaults accept a DOCTYPE)."""

HOSTILE_XML: tuple[type[Exception], ...] = (
    DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden, XMLSyntaxError,
    XMLParseError, ValidationError)
"""zeep's exceptions for a reply it refused to parse or could not read."""

_BINDING = f"{{{NAMESPACE}}}SmcConferenceBinding"
_LOAD_ERRORS: tuple[type[Exception], ...] = (KeyError, TransportError, *HOSTILE_XML)


class ReplyTooLarge(ProtocolError):
    """The service answered more bytes than the driver reads."""


def _refuse_fetch(request: httpx.Request) -> httpx.Response:
    raise ProtocolError("the smc driver fetches nothing to build its SOAP client",
                        operation="load WSDL", expected="the WSDL shipped in the package",
                        got=str(request.url)[:120])


class SafeTransport(AsyncTransport):
    """zeep's AsyncTransport with a bounded, unlogged POST and no network WSDL loads."""

    def __init__(self, client: httpx.AsyncClient, *, max_reply_bytes: int, device: str
                 ) -> None:
        # zeep's constructors are unannotated
        super().__init__(  # type: ignore[no-untyped-call]
            client=client,
            wsdl_client=httpx.Client(transport=httpx.MockTransport(_refuse_fetch)))
        self.max_reply_bytes = max_reply_bytes
        self.device = device

    async def post(self, address: str, message: bytes, headers: dict[str, str]
                   ) -> httpx.Response:
        """POST one envelope; the reply is read up to ``max_reply_bytes``."""
        async with self.client.stream("POST", address, content=message,
                                      headers=headers) as reply:
            declared = reply.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self.max_reply_bytes:
                raise self._too_large(f"Content-Length {declared}")
            chunks, size = [], 0
            async for chunk in reply.aiter_bytes():
                size += len(chunk)
                if size > self.max_reply_bytes:
                    raise self._too_large(f"more than {self.max_reply_bytes} bytes")
                chunks.append(chunk)
            return httpx.Response(reply.status_code, headers=reply.headers,
                                  content=b"".join(chunks), request=reply.request)

    def _too_large(self, got: str) -> ReplyTooLarge:
        return ReplyTooLarge("reply too large", device=self.device, operation="SOAP reply",
                             expected=f"at most {self.max_reply_bytes} bytes", got=got)


def service_proxy(transport: SafeTransport, address: str) -> Any:
    """A zeep async proxy of the shipped WSDL's binding, bound to ``address``."""
    try:
        # zeep's constructors are unannotated
        client = zeep.AsyncClient(  # type: ignore[no-untyped-call]
            str(WSDL_PATH), transport=transport, settings=SAFE_SETTINGS)
        return AsyncServiceProxy(  # type: ignore[no-untyped-call]
            client, client.wsdl.bindings[_BINDING], address=address)
    except _LOAD_ERRORS as exc:
        raise ConfigError("the shipped WSDL does not load", operation="load WSDL",
                          got=type(exc).__name__) from exc


def is_cert_failure(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) is a failed certificate verification."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
