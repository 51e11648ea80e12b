"""SOAP 1.1 for the SMC front end: safe request parsing against our WSDL, replies, faults.

Requests are first parsed with ``defusedxml`` (every DTD, entity declaration and external
reference refused, depth bounded), then read by zeep against the same WSDL the driver
uses (:data:`hnth_drivers.mcu.smc_protocol.WSDL_PATH`). A missing mandatory element or a
value of the wrong type is a SOAP ``Client`` fault, as the interface reference says
(eSDK_tp_00002); the faultstring names the element and the documented code
(570462210 mandatory parameters incomplete, 570462209 data-type conversion error).
"""

from __future__ import annotations

import functools
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

import defusedxml.ElementTree as SafeET
import zeep
from defusedxml import DefusedXmlException
from lxml import etree  # type: ignore[import-untyped]

from hnth_drivers.mcu.smc_protocol import NAMESPACE, PORTS, WSDL_PATH, service_of

__all__ = ["SOAP_ENV", "BadRequest", "SoapRequest", "fault", "parse_request", "reply"]

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
_MAX_DEPTH = 16


class BadRequest(Exception):
    """The request is not a well-formed, safe SOAP envelope for this service."""


@dataclass(frozen=True, slots=True)
class SoapRequest:
    """The operation named by the body's first element, and its parameters (zeep)."""

    operation: str
    params: Any


@functools.cache
def _client() -> Any:
    settings = zeep.Settings(strict=True, forbid_dtd=True, forbid_entities=True,
                             forbid_external=True, xml_huge_tree=False)
    return zeep.Client(str(WSDL_PATH), settings=settings)  # type: ignore[no-untyped-call]


def _operation(name: str) -> Any:
    port = PORTS[service_of(name)]
    return _client().wsdl.bindings[f"{{{NAMESPACE}}}{port[:-4]}Binding"].get(name)


def _depth(element: ET.Element, limit: int) -> int:
    deepest, stack = 0, [(element, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return depth
        deepest = max(deepest, depth)
        stack.extend((kid, depth + 1) for kid in node)
    return deepest


def _check_types(xsd_element: Any, node: Any, path: str) -> None:
    """Every value in ``node`` parses as its declared type (zeep silently makes None)."""
    kind = xsd_element.type
    if not hasattr(kind, "elements"):
        try:
            kind.pythonvalue(node.text or "")
        except Exception:
            raise BadRequest(f"570462209 data-type conversion error: {path}") from None
        return
    children = dict(kind.elements)
    for child in node:
        name = etree.QName(child).localname
        if name in children:
            _check_types(children[name], child, f"{path}/{name}")


def _check_required(xsd_element: Any, node: Any, path: str) -> None:
    """Every mandatory child is present (an empty string counts), at every level."""
    kind = xsd_element.type
    if not hasattr(kind, "elements"):
        return
    present: dict[str, list[Any]] = {}
    for child in node:
        present.setdefault(etree.QName(child).localname, []).append(child)
    for name, child in kind.elements:
        if child.min_occurs >= 1 and name not in present:
            raise BadRequest(f"570462210 mandatory parameters incomplete: {path}/{name}")
        for sub in present.get(name, []):
            _check_required(child, sub, f"{path}/{name}")


def parse_request(data: bytes, service: str) -> SoapRequest:
    """The operation and parameters of a request to ``service``; BadRequest otherwise."""
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
    tag = body[0].tag
    prefix = f"{{{NAMESPACE}}}"
    if not tag.startswith(prefix):
        raise BadRequest(f"operation outside the namespace {NAMESPACE}")
    name = tag[len(prefix):]
    try:
        if service_of(name) != service:
            raise BadRequest(f"operation {name!r} is not served at {service}")
    except KeyError:
        raise BadRequest(f"unknown operation {name[:60]!r}") from None
    operation = _operation(name)
    envelope = etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False,
                                                             no_network=True))
    xsd_element = operation.input.body
    node = envelope.find(f"{{{SOAP_ENV}}}Body")[0]
    _check_types(xsd_element, node, name)
    _check_required(xsd_element, node, name)
    try:
        params = xsd_element.parse(node, _client().wsdl.types)
    except zeep.exceptions.Error as exc:
        raise BadRequest(f"570462210 request does not match the WSDL: {exc}") from None
    return SoapRequest(name, params)


def reply(operation: str, result_code: int, fields: dict[str, Any] | None = None) -> bytes:
    """The ``<operation>Response`` envelope (resultCode first; fields only on success)."""
    values = fields if (fields and result_code == 0) else {}
    message = _operation(operation).output.serialize(resultCode=result_code, **values)
    return bytes(etree.tostring(message.content, xml_declaration=True, encoding="utf-8"))


def fault(code: str, message: str) -> bytes:
    """A SOAP 1.1 fault: ``code`` is Client or Server."""
    env = ET.Element(f"{{{SOAP_ENV}}}Envelope")
    body = ET.SubElement(env, f"{{{SOAP_ENV}}}Body")
    node = ET.SubElement(body, f"{{{SOAP_ENV}}}Fault")
    ET.SubElement(node, "faultcode").text = f"soapenv:{code}"
    ET.SubElement(node, "faultstring").text = message[:300]
    ET.register_namespace("soapenv", SOAP_ENV)
    return bytes(ET.tostring(env, encoding="utf-8", xml_declaration=True))
