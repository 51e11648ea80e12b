"""SOAP messages of our WSDL, and the strict reader of their replies (for ``smc``).

zeep loads the WSDL shipped in the package (once, strictly, fetching nothing) and builds
each request envelope. Replies are read in one expat pass driven by the same loaded
schema (:func:`read_reply`): zeep's own reply parsing costs ~2 ms a reply and grows with
the square of one element's attributes. The HTTP exchange itself is the shared one of
:func:`hnth_drivers.transport.https.exchange` (size limit on the received and the decoded
bytes, deadline, status, TLS and connection failures as typed errors); here:

- the reader refuses a tag longer than :data:`MAX_TAG_BYTES` (before expat: expat reads
  a start tag with all its attributes in one go), a DTD, entities, processing
  instructions, more than
  :data:`MAX_DEPTH` levels, more than :data:`MAX_ATTRIBUTES` attributes on one element or
  more than :data:`MAX_ELEMENTS` elements, and anything our WSDL does not declare;
- the session (:mod:`hnth_drivers.mcu.smc_session`) reads replies above 64 KiB in a
  worker thread, so a large or hostile reply never blocks the event loop, and the
  caller's deadline holds whatever the peer sends;
- bodies are never logged (they carry the login challenge and its answer).
"""

from __future__ import annotations

import functools
import re
import xml.parsers.expat
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Final

import zeep
from lxml import etree  # type: ignore[import-untyped]

from ..errors import ProtocolError
from ..transport.https import HttpReply
from .smc_protocol import NAMESPACE, PORTS, WSDL_PATH, service_of

__all__ = ["MAX_ATTRIBUTES", "MAX_DEPTH", "MAX_ELEMENTS", "SAFE_SETTINGS", "HostileReply",
           "SoapCodec", "SoapFault", "codec", "parse_reply", "read_reply"]

SAFE_SETTINGS: Final = zeep.Settings(strict=True, forbid_dtd=True, forbid_entities=True,
                                     forbid_external=True, xml_huge_tree=False)
MAX_DEPTH: Final = 32
_SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
MAX_ATTRIBUTES: Final = 32
MAX_ELEMENTS: Final = 200_000
MAX_TAG_BYTES: Final = 4096
_CHUNK = 64 * 1024
_LONG_TAG = re.compile(rb"<[^<>]{%d,}" % MAX_TAG_BYTES)


class HostileReply(ProtocolError):
    """A reply with a construct the driver refuses before parsing it."""


class _Refused(Exception):
    pass


class SoapFault(ProtocolError):
    """A SOAP fault: ``faultcode`` and ``faultstring`` as sent (bounded)."""

    def __init__(self, faultcode: str, faultstring: str) -> None:
        self.faultcode = faultcode[:80]
        self.faultstring = faultstring[:200]
        super().__init__("SOAP fault", expected="a reply", got=f"{self.faultcode}: "
                         f"{self.faultstring}")


@dataclass(frozen=True, slots=True)
class _Shape:
    """What our WSDL allows inside one element: children by name, or a simple type."""

    children: dict[str, tuple[_Shape, bool, bool]] | None   # name -> (shape, many, required)
    convert: Any = None


_TEXT_TYPES = {"string"}


def _shape_of(xsd_type: Any, seen: dict[int, _Shape]) -> _Shape:
    if not hasattr(xsd_type, "elements"):
        name = getattr(xsd_type, "name", "")
        if name == "int":
            return _Shape(None, _int)
        if name in _TEXT_TYPES:
            return _Shape(None, str)
        return _Shape(None, xsd_type.pythonvalue)
    found = seen.get(id(xsd_type))
    if found is not None:
        return found
    children: dict[str, tuple[_Shape, bool, bool]] = {}
    shape = _Shape(children)
    seen[id(xsd_type)] = shape
    for name, element in xsd_type.elements:
        children[name] = (_shape_of(element.type, seen), element.max_occurs != 1,
                          element.min_occurs >= 1)
    return shape


def _int(text: str) -> int:
    text = text.strip()
    if not (text.lstrip("+-").isdigit() and len(text) <= 11):
        raise ValueError(f"not an xsd:int: {text[:20]!r}")
    value = int(text)
    if not -2**31 <= value < 2**31:
        raise ValueError(f"not an xsd:int: {text[:20]!r}")
    return value


def _empty(shape: _Shape) -> SimpleNamespace:
    assert shape.children is not None
    return SimpleNamespace(**{name: [] if many else None
                              for name, (_, many, _r) in shape.children.items()})


def read_reply(content: bytes, response: str, shape: _Shape) -> SimpleNamespace:
    """One pass over a reply (expat): refuse what zeep must not see (DTD, entities,
    processing instructions, depth, attributes, element count), then read the
    ``response`` element as our WSDL describes it, strictly: an undeclared element, a
    missing mandatory one or a wrongly typed value is a ProtocolError; a SOAP fault is
    :class:`SoapFault`. Values are attributes of ``SimpleNamespace`` objects (absent
    ones None, repeated ones lists)."""
    long_tag = _LONG_TAG.search(content)
    if long_tag is not None:   # expat reads a whole start tag (all its attributes) at once
        raise HostileReply("refused SOAP reply", expected=f"tags under {MAX_TAG_BYTES} bytes",
                           got=f"a longer one at byte {long_tag.start()}")
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    result: list[SimpleNamespace] = []
    fault: dict[str, str] = {}
    # stack entries: (tag, shape or None, value object or None, text parts)
    stack: list[tuple[str, _Shape | None, SimpleNamespace | None, list[str]]] = []
    elements = 0
    envelope, body = f"{_SOAP_ENV} Envelope", f"{_SOAP_ENV} Body"

    def start(tag: str, attributes: dict[str, str]) -> None:
        nonlocal elements
        elements += 1
        if len(stack) >= MAX_DEPTH:
            raise _Refused(f"more than {MAX_DEPTH} levels")
        if len(attributes) > MAX_ATTRIBUTES:
            raise _Refused(f"more than {MAX_ATTRIBUTES} attributes on one element")
        if elements > MAX_ELEMENTS:
            raise _Refused(f"more than {MAX_ELEMENTS} elements")
        depth = len(stack)
        if depth == 0:
            if tag != envelope:
                raise _Refused("not a SOAP 1.1 Envelope")
            stack.append((tag, None, None, []))
            return
        parent_tag, parent_shape, parent_value, _ = stack[-1]
        if parent_tag == body or (depth >= 3 and parent_tag.endswith(" Fault")):
            if depth == 2 and tag == f"{_SOAP_ENV} Fault":
                stack.append((tag, None, None, []))
                return
            if depth == 2:
                if tag != f"{NAMESPACE} {response}" or result:
                    raise _Refused(f"unexpected element {tag.split(' ')[-1][:60]!r}")
                value = _empty(shape)
                result.append(value)
                stack.append((tag, shape, value, []))
                return
            stack.append((tag, None, None, []))    # inside a Fault: faultcode, detail …
            return
        if depth == 1:
            stack.append((tag, None, None, []))    # Header or Body
            if tag not in (body, f"{_SOAP_ENV} Header"):
                raise _Refused(f"unexpected element {tag[:60]!r}")
            return
        if parent_shape is None:
            stack.append((tag, None, None, []))    # Header content or fault detail
            return
        assert parent_shape.children is not None and parent_value is not None
        spec = parent_shape.children.get(tag)
        if spec is None:
            raise _Refused(f"undeclared element {tag[:60]!r} in {parent_tag.split(' ')[-1]}")
        child_shape = spec[0]
        child = _empty(child_shape) if child_shape.children is not None else None
        stack.append((tag, child_shape, child, []))

    def end(tag: str) -> None:
        tag, _shape, value, text = stack.pop()
        if not stack:
            return
        parent_tag, parent_shape, parent_value, _ = stack[-1]
        if parent_tag.endswith(" Fault") and parent_tag.startswith(_SOAP_ENV):
            fault[tag] = "".join(text)[:300]
            return
        if parent_shape is None or parent_shape.children is None or parent_value is None:
            return
        child_shape, many, _required = parent_shape.children[tag]
        if child_shape.children is not None:
            assert value is not None
            for name, (_s, _m, required) in child_shape.children.items():
                if required and getattr(value, name) is None:
                    raise _Refused(f"mandatory element {name!r} missing in {tag}")
            item: Any = value
        else:
            try:
                item = child_shape.convert("".join(text))
            except Exception as exc:
                raise _Refused(f"{tag}: {str(exc)[:60]}") from None
        if many:
            getattr(parent_value, tag).append(item)
        elif getattr(parent_value, tag) is not None:
            raise _Refused(f"{tag} repeated")
        else:
            setattr(parent_value, tag, item)

    def chars(data: str) -> None:
        if stack:
            stack[-1][3].append(data)

    def refuse(what: str) -> Any:
        def handler(*_args: object) -> None:
            raise _Refused(what)
        return handler

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parser.StartDoctypeDeclHandler = refuse("a DTD")
    parser.EntityDeclHandler = refuse("an entity declaration")
    parser.ExternalEntityRefHandler = refuse("an external entity")
    parser.ProcessingInstructionHandler = refuse("a processing instruction")
    try:
        for at in range(0, len(content), _CHUNK):   # the GIL is free between chunks
            parser.Parse(content[at:at + _CHUNK], False)
        parser.Parse(b"", True)
    except _Refused as exc:
        raise HostileReply("refused SOAP reply", expected=f"a SOAP envelope with "
                           f"{response} as our WSDL declares it", got=str(exc)) from None
    except xml.parsers.expat.ExpatError as exc:
        raise HostileReply("not XML", expected="a SOAP envelope",
                           got=str(exc)[:80]) from None
    if fault:
        raise SoapFault(fault.get("faultcode", ""), fault.get("faultstring", ""))
    if not result:
        raise ProtocolError("no reply element in the SOAP Body", expected=response,
                            got="an empty Body")
    for name, (_s, _m, required) in shape.children.items() if shape.children else ():
        if required and getattr(result[0], name) is None:
            raise HostileReply("refused SOAP reply", expected=response,
                               got=f"mandatory element {name!r} missing")
    return result[0]


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
        self._shapes: dict[str, _Shape] = {}
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

    def reply_shape(self, name: str) -> _Shape:
        """How the reply of ``name`` is read (built once from the loaded schema)."""
        found = self._shapes.get(name)
        if found is None:
            found = self._shapes[name] = _shape_of(self.operation(name).output.body.type, {})
        return found


@functools.cache
def codec() -> SoapCodec:
    """The process's codec (the WSDL is read once)."""
    return SoapCodec()


def parse_reply(name: str, reply: HttpReply) -> SimpleNamespace:
    """Read one reply of ``name`` (see :func:`read_reply`); ProtocolError if unreadable,
    SoapFault for a fault (a fault travels in HTTP 500; any other reply must be 200)."""
    read = read_reply(reply.body, f"{name}Response", codec().reply_shape(name))
    if reply.status != 200:
        raise ProtocolError("unexpected HTTP status", operation=name, expected="200",
                            got=str(reply.status))
    return read
