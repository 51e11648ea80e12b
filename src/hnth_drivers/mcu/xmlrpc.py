"""XML-RPC messages, sans I/O: bytes in, values out (and back). Safe by construction.

Used by the ``codian`` driver (requests out, replies in) and by the Codian simulator
(requests in, replies out); Python's :mod:`xmlrpc.client` is the interop peer in tests.

Parsing goes through :mod:`defusedxml` with DTDs, entities and external references
forbidden, input bounded by ``max_bytes`` and nesting bounded by :data:`MAX_DEPTH`:
anything else raises :class:`~hnth_drivers.errors.ProtocolError`. Values map as
int/i4/i8 ↔ ``int``, boolean ↔ ``bool``, double ↔ ``float``, string (or bare text) ↔
``str``, base64 ↔ ``bytes``, struct ↔ ``dict``, array ↔ ``list``, nil ↔ ``None``;
dateTime.iso8601 decodes to its text.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from ..errors import ProtocolError

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "Fault",
    "Value",
    "decode_call",
    "decode_response",
    "encode_call",
    "encode_fault",
    "encode_response",
]

Value: TypeAlias = Any
"""An XML-RPC value: int, bool, float, str, bytes, None, list of values, dict of values."""

MAX_BYTES = 4 * 1024 * 1024
"""Default bound on one message."""
MAX_DEPTH = 32
"""Deepest nesting of arrays and structs accepted."""

_INT_RANGE = (-(2**31), 2**31 - 1)
_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_HEADER = b"<?xml version='1.0'?>\n"


@dataclass(frozen=True, slots=True)
class Fault:
    """An XML-RPC fault: ``faultCode`` and ``faultString``."""

    code: int
    string: str


def _escape(text: str) -> str:
    if _BAD_CHARS.search(text):
        raise ProtocolError("text not representable in XML", operation="xmlrpc encode",
                            expected="no control characters", got=repr(text[:40]))
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _encode(value: Value, out: list[str], depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        raise ProtocolError("value nested too deeply", operation="xmlrpc encode",
                            expected=f"at most {MAX_DEPTH} levels")
    if value is None:
        out.append("<value><nil/></value>")
    elif isinstance(value, bool):
        out.append(f"<value><boolean>{int(value)}</boolean></value>")
    elif isinstance(value, int):
        tag = "int" if _INT_RANGE[0] <= value <= _INT_RANGE[1] else "i8"
        out.append(f"<value><{tag}>{value}</{tag}></value>")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ProtocolError("XML-RPC has no NaN or infinity", operation="xmlrpc encode",
                                got=repr(value))
        out.append(f"<value><double>{value!r}</double></value>")
    elif isinstance(value, str):
        out.append(f"<value><string>{_escape(value)}</string></value>")
    elif isinstance(value, bytes | bytearray):
        out.append(f"<value><base64>{base64.b64encode(value).decode()}</base64></value>")
    elif isinstance(value, dict):
        out.append("<value><struct>")
        for key, item in value.items():
            if not isinstance(key, str):
                raise ProtocolError("struct member names are text", operation="xmlrpc encode",
                                    got=repr(key))
            out.append(f"<member><name>{_escape(key)}</name>")
            _encode(item, out, depth + 1)
            out.append("</member>")
        out.append("</struct></value>")
    elif isinstance(value, list | tuple):
        out.append("<value><array><data>")
        for item in value:
            _encode(item, out, depth + 1)
        out.append("</data></array></value>")
    else:
        raise ProtocolError("type not representable in XML-RPC", operation="xmlrpc encode",
                            got=type(value).__name__)


def encode_call(method: str, params: Sequence[Value]) -> bytes:
    """A ``methodCall`` document."""
    out = [f"<methodCall><methodName>{_escape(method)}</methodName><params>"]
    for param in params:
        out.append("<param>")
        _encode(param, out)
        out.append("</param>")
    out.append("</params></methodCall>")
    return _HEADER + "".join(out).encode()


def encode_response(value: Value) -> bytes:
    """A successful ``methodResponse`` carrying ``value``."""
    out = ["<methodResponse><params><param>"]
    _encode(value, out)
    out.append("</param></params></methodResponse>")
    return _HEADER + "".join(out).encode()


def encode_fault(code: int, string: str) -> bytes:
    """A fault ``methodResponse``."""
    out = ["<methodResponse><fault>"]
    _encode({"faultCode": code, "faultString": string}, out)
    out.append("</fault></methodResponse>")
    return _HEADER + "".join(out).encode()


def _bad(what: str, got: str = "") -> ProtocolError:
    return ProtocolError(f"malformed XML-RPC: {what}", operation="xmlrpc decode",
                         expected="an XML-RPC document", got=got[:80] or None)


def _parse(data: bytes, max_bytes: int) -> Element:
    if len(data) > max_bytes:
        raise ProtocolError("XML-RPC message too large", operation="xmlrpc decode",
                            expected=f"at most {max_bytes} bytes", got=f"{len(data)} bytes")
    try:
        root: Element = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True,
                                          forbid_external=True)
    except DefusedXmlException as exc:
        raise _bad("DTDs and entities are refused", type(exc).__name__) from exc
    except SafeET.ParseError as exc:
        raise _bad("not well-formed XML", str(exc)) from exc
    return root


def _decode(el: Element, depth: int) -> Value:
    if el.tag != "value":
        raise _bad("expected <value>", el.tag)
    if depth > MAX_DEPTH:
        raise _bad(f"nested deeper than {MAX_DEPTH}")
    children = list(el)
    if not children:
        return el.text or ""
    if len(children) != 1:
        raise _bad("a <value> holds one type element")
    typed = children[0]
    tag, text = typed.tag, (typed.text or "")
    try:
        if tag in ("int", "i4", "i8"):
            return int(text.strip())
        if tag == "boolean":
            if text.strip() not in ("0", "1"):
                raise _bad("boolean is 0 or 1", text)
            return text.strip() == "1"
        if tag == "string":
            return text
        if tag == "double":
            number = float(text.strip())
            if not math.isfinite(number):
                raise _bad("double is finite", text)
            return number
        if tag == "base64":
            return base64.b64decode(text.strip(), validate=True)
        if tag == "dateTime.iso8601":
            return text.strip()
        if tag == "nil":
            return None
    except (ValueError, binascii.Error) as exc:
        raise _bad(f"bad {tag}", text) from exc
    if tag == "struct":
        struct: dict[str, Value] = {}
        for member in typed:
            name, value = member.find("name"), member.find("value")
            if member.tag != "member" or name is None or value is None:
                raise _bad("a struct member has a name and a value")
            struct[name.text or ""] = _decode(value, depth + 1)
        return struct
    if tag == "array":
        data = typed.find("data")
        if data is None:
            raise _bad("an array holds <data>")
        return [_decode(item, depth + 1) for item in data]
    raise _bad("unknown value type", tag)


def decode_call(data: bytes, *, max_bytes: int = MAX_BYTES) -> tuple[str, list[Value]]:
    """``(method name, params)`` of a ``methodCall``; ProtocolError if malformed."""
    root = _parse(data, max_bytes)
    name = root.find("methodName")
    if root.tag != "methodCall" or name is None or not (name.text or "").strip():
        raise _bad("expected <methodCall> with <methodName>", root.tag)
    params = root.find("params")
    values = []
    if params is not None:
        for param in params:
            value = param.find("value")
            if param.tag != "param" or value is None:
                raise _bad("a <param> holds a <value>")
            values.append(_decode(value, 1))
    return (name.text or "").strip(), values


def decode_response(data: bytes, *, max_bytes: int = MAX_BYTES) -> Value | Fault:
    """The value of a ``methodResponse``, or its :class:`Fault`; ProtocolError if malformed."""
    root = _parse(data, max_bytes)
    if root.tag != "methodResponse":
        raise _bad("expected <methodResponse>", root.tag)
    fault = root.find("fault/value")
    if fault is not None:
        body = _decode(fault, 1)
        if not isinstance(body, dict) or not isinstance(body.get("faultCode"), int):
            raise _bad("a fault is a struct with an integer faultCode")
        return Fault(body["faultCode"], str(body.get("faultString", "")))
    value = root.find("params/param/value")
    if value is None:
        raise _bad("a response holds one param or a fault")
    return _decode(value, 1)
