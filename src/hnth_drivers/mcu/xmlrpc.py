"""XML-RPC messages, sans I/O: bytes in, values out (and back). Safe by construction.

Used by the ``codian`` driver (requests out, replies in) and by the Codian simulator
(requests in, replies out); Python's :mod:`xmlrpc.client` is the interop peer in tests.

Input is bounded by ``max_bytes``. A message in the shape XML-RPC peers write (UTF-8,
XML-RPC's elements only, no comments, CDATA or DOCTYPE) is read by the fast scanner of
:mod:`hnth_drivers.mcu.xmlrpc_scan`; any other goes through lxml (libxml2, about twice as
fast as building values from expat events in Python) with no DTD loaded, no entity
expanded and nothing fetched. Either way a document with a DOCTYPE is refused, nesting is
bounded by :data:`MAX_DEPTH`, and every element is checked against XML-RPC's grammar:
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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from lxml import etree  # type: ignore[import-untyped]

from ..errors import ProtocolError
from .xmlrpc_scan import Scanned, scan

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "DateTime",
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


class DateTime(str):
    """Text sent as ``dateTime.iso8601`` (e.g. ``20130115T10:00:00``); decoding gives
    plain text."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Fault:
    """An XML-RPC fault: ``faultCode`` and ``faultString``."""

    code: int
    string: str


def _escape(text: str) -> str:
    # control characters are checked once per document, in _finish
    if "&" in text or "<" in text or ">" in text:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def _finish(out: list[str]) -> bytes:
    doc = "".join(out)
    bad = _BAD_CHARS.search(doc)
    if bad:
        raise ProtocolError("text not representable in XML", operation="xmlrpc encode",
                            expected="no control characters", got=repr(bad.group()))
    return _HEADER + doc.encode()


def _encode(value: Value, out: list[str], depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        raise ProtocolError("value nested too deeply", operation="xmlrpc encode",
                            expected=f"at most {MAX_DEPTH} levels")
    if isinstance(value, str):
        tag = "dateTime.iso8601" if isinstance(value, DateTime) else "string"
        out.append(f"<value><{tag}>{_escape(value)}</{tag}></value>")
    elif value is None:
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
    return _finish(out)


def encode_response(value: Value) -> bytes:
    """A successful ``methodResponse`` carrying ``value``."""
    out = ["<methodResponse><params><param>"]
    _encode(value, out)
    out.append("</param></params></methodResponse>")
    return _finish(out)


def encode_fault(code: int, string: str) -> bytes:
    """A fault ``methodResponse``."""
    out = ["<methodResponse><fault>"]
    _encode({"faultCode": code, "faultString": string}, out)
    out.append("</fault></methodResponse>")
    return _finish(out)


def _bad(what: str, got: str = "") -> ProtocolError:
    return ProtocolError(f"malformed XML-RPC: {what}", operation="xmlrpc decode",
                         expected="an XML-RPC document", got=got[:80] or None)


def _boolean(text: str) -> bool:
    if text not in ("0", "1"):
        raise ValueError(text)
    return text == "1"


def _double(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(text)
    return number


_CONVERT: dict[str, Callable[[str], Value]] = {
    "int": int, "i4": int, "i8": int, "boolean": _boolean, "double": _double,
    "base64": lambda text: base64.b64decode(text, validate=True),
    "dateTime.iso8601": str, "nil": lambda text: None,
}


_CHILDLESS = frozenset({"string", "name", "methodName"})


def _text_of(el: Any) -> str:
    if len(el):
        raise _bad("unexpected element inside", str(el.tag))
    return str(el.text or "")


def _value(el: Any, depth: int) -> Value:
    """The value of a ``<value>`` element (bare text is a string)."""
    if el.tag != "value":
        raise _bad("expected <value>", str(el.tag))
    n = len(el)
    if n == 0:
        return str(el.text or "")
    if n != 1:
        raise _bad("a value holds one element")
    typed = el[0]
    tag = typed.tag
    if tag == "string":
        return _text_of(typed)
    if tag == "struct":
        if depth >= MAX_DEPTH:
            raise _bad(f"nested deeper than {MAX_DEPTH}")
        out: dict[str, Value] = {}
        for member in typed:
            if member.tag != "member" or len(member) != 2 or member[0].tag != "name":
                raise _bad("a struct member has a name and a value", str(member.tag))
            out[_text_of(member[0])] = _value(member[1], depth + 1)
        return out
    if tag == "array":
        if depth >= MAX_DEPTH:
            raise _bad(f"nested deeper than {MAX_DEPTH}")
        if len(typed) != 1 or typed[0].tag != "data":
            raise _bad("an array holds one <data>")
        return [_value(item, depth + 1) for item in typed[0]]
    convert = _CONVERT.get(tag) if isinstance(tag, str) else None
    if convert is None:
        raise _bad("unknown element", str(tag))
    text = _text_of(typed).strip()
    try:
        return convert(text)
    except (ValueError, binascii.Error) as exc:
        raise _bad(f"bad {tag}", text) from exc


def _parse(data: bytes) -> Any:
    # no DTD loaded, no entity expanded, nothing fetched; comments and PIs dropped
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False, remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise _bad("not well-formed XML", str(exc)) from None
    if root is None:
        raise _bad("empty document")
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise _bad("DTDs and entities are refused", "DOCTYPE")
    return root


def _params(el: Any) -> list[Value]:
    if el.tag != "params":
        raise _bad("expected <params>", str(el.tag))
    out = []
    for param in el:
        if param.tag != "param" or len(param) != 1:
            raise _bad("a param holds one value", str(param.tag))
        out.append(_value(param[0], 0))
    return out


def _lxml_call(data: bytes) -> tuple[str, list[Value]]:
    root = _parse(data)
    if root.tag != "methodCall" or not len(root) or root[0].tag != "methodName" \
            or len(root) > 2:
        raise _bad("expected <methodCall> with <methodName>", str(root.tag))
    method = _text_of(root[0]).strip()
    if not method:
        raise _bad("expected <methodCall> with <methodName>", "empty methodName")
    return method, _params(root[1]) if len(root) == 2 else []


def _lxml_response(data: bytes) -> tuple[bool, list[Value]]:
    root = _parse(data)
    if root.tag != "methodResponse" or len(root) != 1:
        raise _bad("expected <methodResponse> with params or a fault", str(root.tag))
    body = root[0]
    fault = body.tag == "fault"
    if fault and len(body) != 1:
        raise _bad("a fault holds one value")
    return fault, [_value(body[0], 0)] if fault else _params(body)


def _scan(data: bytes, max_bytes: int) -> Scanned | None:
    """The message read by the fast scanner, or None: then lxml reads it."""
    if len(data) > max_bytes:
        raise ProtocolError("XML-RPC message too large", operation="xmlrpc decode",
                            expected=f"at most {max_bytes} bytes", got=f"{len(data)} bytes")
    return scan(data, _CONVERT, MAX_DEPTH)


def decode_call(data: bytes, *, max_bytes: int = MAX_BYTES) -> tuple[str, list[Value]]:
    """``(method name, params)`` of a ``methodCall``; ProtocolError if malformed."""
    scanned = _scan(data, max_bytes)
    if scanned is not None and scanned[1] is not None:
        return scanned[1], scanned[2]
    return _lxml_call(data)


def decode_response(data: bytes, *, max_bytes: int = MAX_BYTES) -> Value | Fault:
    """The value of a ``methodResponse``, or its :class:`Fault`; ProtocolError if malformed."""
    scanned = _scan(data, max_bytes)
    if scanned is not None and scanned[1] is None:
        fault, values = scanned[0], scanned[2]
    else:
        fault, values = _lxml_response(data)
    if fault:
        value = values[0]
        if not isinstance(value, dict) or not isinstance(value.get("faultCode"), int) \
                or isinstance(value.get("faultCode"), bool):
            raise _bad("a fault is a struct with an integer faultCode")
        return Fault(value["faultCode"], str(value.get("faultString", "")))
    if len(values) != 1:
        raise _bad("a response holds one param or a fault")
    return values[0]
