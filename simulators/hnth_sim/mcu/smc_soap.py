"""SOAP 1.1 envelopes for the SMC front end: safe parsing, replies and faults (no I/O).

Requests are parsed with ``defusedxml`` (expat) with every DTD, entity declaration and
external reference refused, so a billion-laughs or XXE request is a ``Client`` fault
before anything is expanded or fetched. Replies are built with ElementTree (escaped).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from hnth_drivers.mcu.smc_protocol import NAMESPACE

__all__ = ["SOAP_ENV", "BadRequest", "SoapRequest", "child", "children", "element", "envelope",
           "fault", "parse_request", "text_of"]

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
_MAX_DEPTH = 16
ET.register_namespace("soapenv", SOAP_ENV)
ET.register_namespace("smc", NAMESPACE)


class BadRequest(Exception):
    """The request is not a well-formed, safe SOAP envelope for this service."""


@dataclass(frozen=True, slots=True)
class SoapRequest:
    """The operation named by the body's first element, and that element."""

    operation: str
    body: ET.Element


def _depth(element: ET.Element, limit: int) -> int:
    deepest, stack = 0, [(element, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return depth
        deepest = max(deepest, depth)
        stack.extend((kid, depth + 1) for kid in node)
    return deepest


def parse_request(data: bytes) -> SoapRequest:
    """The operation of a SOAP request; BadRequest for anything unsafe or malformed."""
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True,
                                 forbid_external=True)
    except DefusedXmlException as exc:
        raise BadRequest(f"refused XML construct: {type(exc).__name__}") from exc
    except ET.ParseError as exc:
        raise BadRequest(f"malformed XML: {exc}") from exc
    if _depth(root, _MAX_DEPTH) > _MAX_DEPTH:
        raise BadRequest("XML nested too deeply")
    if root.tag != f"{{{SOAP_ENV}}}Envelope":
        raise BadRequest("not a SOAP 1.1 envelope")
    body = root.find(f"{{{SOAP_ENV}}}Body")
    if body is None or len(body) != 1:
        raise BadRequest("the SOAP body must hold exactly one operation element")
    op = body[0]
    prefix = f"{{{NAMESPACE}}}"
    if not op.tag.startswith(prefix):
        raise BadRequest(f"operation outside the namespace {NAMESPACE}")
    return SoapRequest(op.tag[len(prefix):], op)


def child(parent: ET.Element, name: str) -> ET.Element | None:
    """The first child ``name`` in the service namespace."""
    return parent.find(f"{{{NAMESPACE}}}{name}")


def children(parent: ET.Element, name: str) -> list[ET.Element]:
    """Every child ``name`` in the service namespace."""
    return parent.findall(f"{{{NAMESPACE}}}{name}")


def text_of(parent: ET.Element, name: str) -> str | None:
    """Text of the first child ``name`` ('' for an empty element), None if absent."""
    found = child(parent, name)
    return None if found is None else (found.text or "")


def element(parent: ET.Element, name: str, value: object = None) -> ET.Element:
    """Append a child ``name`` (service namespace) with ``value`` as text if given."""
    node = ET.SubElement(parent, f"{{{NAMESPACE}}}{name}")
    if value is not None:
        node.text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return node


def envelope(operation: str) -> tuple[ET.Element, ET.Element]:
    """A reply envelope and its ``<operation>Response`` element to fill."""
    env = ET.Element(f"{{{SOAP_ENV}}}Envelope")
    body = ET.SubElement(env, f"{{{SOAP_ENV}}}Body")
    return env, ET.SubElement(body, f"{{{NAMESPACE}}}{operation}Response")


def fault(code: str, message: str, detail: str | None = None,
          fields: Iterable[tuple[str, object]] = ()) -> bytes:
    """A SOAP 1.1 fault: ``code`` is Client or Server, ``detail`` the typed fault element."""
    env = ET.Element(f"{{{SOAP_ENV}}}Envelope")
    body = ET.SubElement(env, f"{{{SOAP_ENV}}}Body")
    node = ET.SubElement(body, f"{{{SOAP_ENV}}}Fault")
    ET.SubElement(node, "faultcode").text = f"soapenv:{code}"
    ET.SubElement(node, "faultstring").text = message
    if detail is not None:
        holder = ET.SubElement(node, "detail")
        typed = element(holder, detail)
        for name, value in fields:
            element(typed, name, value)
    return serialize(env)


def serialize(env: ET.Element) -> bytes:
    """The envelope as UTF-8 bytes with an XML declaration."""
    return bytes(ET.tostring(env, encoding="utf-8", xml_declaration=True))
