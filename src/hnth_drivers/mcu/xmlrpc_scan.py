"""A fast reader for XML-RPC messages in their usual shape, sans I/O.

:func:`scan` reads a message written the way XML-RPC peers write them (Python's
``xmlrpc.client``, Cisco's MCUs, :mod:`hnth_drivers.mcu.xmlrpc` itself): UTF-8, an optional
``<?xml version="1.0"?>`` declaration, XML-RPC's elements only, whitespace between them,
text with the five predefined entities and numeric character references only. It matches
whole runs of markup with one regular expression (a struct member holding a scalar is one
match) instead of building an element tree, several times faster than lxml on the
participant lists. Anything outside that subset (attributes, comments, processing
instructions, CDATA, a DOCTYPE, other encodings, ``\\r``, a bad value, nesting deeper
than :data:`~hnth_drivers.mcu.xmlrpc.MAX_DEPTH`) makes it return None, and the caller
parses the message with lxml, which reads the rest of XML and refuses what is dangerous
or malformed. So the scanner never accepts what the full parser refuses and gives the
same values: tests/mcu/test_xmlrpc_scan.py checks both against each other and against
the stdlib.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

__all__ = ["Scanned", "scan"]

Scanned = tuple[bool, str | None, list[Any]]
"""``(is a fault, method name of a call or None, the params or the fault value)``."""

_S = "[ \t\n]"   # XML's white space ("\r" is never let through, see _CONTROLS)
_TYPES = r"string|int|i4|i8|boolean|double|dateTime\.iso8601|base64"


_SCALAR = rf"(?:{_S}*<({_TYPES})>([^<]*)</\{{}}>{_S}*|([^<]*))</value>"
_TOKEN = re.compile("|".join([
    # a member: name 1; holding a scalar: type 2, typed text 3, bare text 4; or opening
    # a struct or an array: 5
    rf"<member>{_S}*<name>([^<]+)</name>{_S}*<value>(?:{_SCALAR.format(2)}{_S}*</member>"
    rf"|{_S}*(<struct>|<array>{_S}*<data>))",
    # a scalar value (array item or param): type 6, typed text 7, bare text 8
    rf"<value>{_SCALAR.format(6)}",
    # 9: the rest of the structure (see _STRUCTURE), white space, or anything else
    rf"(<value>{_S}*<struct>|<value>{_S}*<array>{_S}*<data>"
    rf"|</struct>{_S}*</value>(?:{_S}*</member>)?"
    rf"|</data>{_S}*</array>{_S}*</value>(?:{_S}*</member>)?|{_S}+|<param>|</param>"
    rf"|</(?:params|fault)>{_S}*</(?:methodResponse|methodCall)>{_S}*\Z|.)",
]), re.DOTALL)
_OPEN_STRUCT, _OPEN_ARRAY, _CLOSE_STRUCT, _CLOSE_ARRAY, _PARAM, _END_PARAM, _END, _SPACE = \
    range(8)
_STRUCTURE = {
    "<value><struct>": _OPEN_STRUCT, "<value><array><data>": _OPEN_ARRAY,
    "</struct></value>": _CLOSE_STRUCT, "</struct></value></member>": _CLOSE_STRUCT,
    "</data></array></value>": _CLOSE_ARRAY, "</data></array></value></member>": _CLOSE_ARRAY,
    "<param>": _PARAM, "</param>": _END_PARAM, "": _SPACE,
    "</params></methodResponse>": _END, "</fault></methodResponse>": _END,
    "</params></methodCall>": _END,
}
_UNSPACED = str.maketrans("", "", " \t\n")

_DECL = rf"""(?:<\?xml{_S}+version{_S}*={_S}*(['"])1\.0\1""" \
        rf"""(?:{_S}+encoding{_S}*={_S}*(['"])(?i:utf-8)\2)?{_S}*\?>)?{_S}*"""
_CALL = re.compile(_DECL + rf"<methodCall>{_S}*<methodName>([^<]*)</methodName>{_S}*<params>")
_RESPONSE = re.compile(_DECL + r"<methodResponse>" + _S + r"*<(params|fault)>")
_HUGE = 10_000_000   # libxml2 refuses a text node this long: leave such documents to it
# control characters XML refuses, and "\r" (line ends would need normalising)
_CONTROLS = bytes(c for c in range(32) if c not in (9, 10))
# what XML calls Char, less "\r": checked on character references
_NOT_PLAIN = re.compile("[^\t\n\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_REFERENCE = re.compile(r"&(?:(lt|gt|amp|quot|apos)|#([0-9]{1,7})|#x([0-9a-fA-F]{1,6}));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


class _Decline(Exception):
    """Not in the subset this scanner reads: parse with lxml instead."""


def _character(match: re.Match[str]) -> str:
    named, decimal, hexadecimal = match.groups()
    if named:
        return _NAMED[named]
    code = int(decimal) if decimal else int(hexadecimal, 16)
    char = chr(code) if code <= 0x10FFFF else "\r"
    if char == "\r" or _NOT_PLAIN.match(char):
        raise _Decline   # not an XML character (lxml refuses it) or "\r": lxml decides
    return char


def _text(raw: str) -> str:
    if "&" not in raw:
        return raw
    text = _REFERENCE.sub(_character, raw)
    if "&" in _REFERENCE.sub("", raw):
        raise _Decline   # another entity: lxml refuses it
    return text


def _typed(kind: str, raw: str, convert: dict[str, Callable[[str], Any]]) -> Any:
    try:
        return convert[kind](_text(raw).strip())
    except ValueError:   # binascii.Error is one too: lxml's path names the bad value
        raise _Decline from None


def scan(doc: bytes, convert: dict[str, Callable[[str], Any]],
         max_depth: int) -> Scanned | None:
    """The content of ``doc`` (see :data:`Scanned`), or None when ``doc`` is not in the
    subset read here. ``convert`` turns the text of a typed scalar into its value;
    ``max_depth`` bounds the nesting of arrays and structs (deeper: None)."""
    if len(doc) >= _HUGE:
        return None
    if len(doc.translate(None, _CONTROLS)) != len(doc) or b"]]>" in doc:
        return None
    if not doc.isascii() and (b"\xef\xbf\xbe" in doc or b"\xef\xbf\xbf" in doc):
        return None   # U+FFFE, U+FFFF: not XML characters
    try:
        text = doc.decode("utf-8")   # strict: no surrogates either
    except UnicodeDecodeError:
        return None
    call = _CALL.match(text)
    if call is not None:
        method: str | None = call[3]
        head_end, fault, root_tag = call.end(), False, "methodCall"
    else:
        response = _RESPONSE.match(text)
        if response is None:
            return None
        method, head_end = None, response.end()
        fault, root_tag = response[3] == "fault", "methodResponse"
    try:
        if method is not None:
            method = _text(method).strip()
            if not method:
                return None
        values = _values(text, head_end, fault, root_tag, convert, max_depth)
    except _Decline:
        return None
    if values is None:
        return None
    return fault, method, values


def _values(text: str, start: int, fault: bool, root_tag: str,
            convert: dict[str, Callable[[str], Any]], max_depth: int) -> list[Any] | None:
    top: list[Any] = []
    current: Any = top
    stack: list[tuple[Any, str | None]] = []  # (parent, name in the parent struct or None)
    # at the top: 0 = a <param> or the end may come, 1 = a value, 2 = </param>, 3 = the end
    expect = 1 if fault else 0
    escaped = "&" in text   # else no text needs its references replaced
    for name, kind, raw, bare, opening, ikind, iraw, ibare, rest in _TOKEN.findall(text, start):
        if name:                                   # a struct member
            if current.__class__ is not dict:
                return None
            if escaped:
                name = _text(name)
            if opening:
                if len(stack) >= max_depth:
                    return None
                stack.append((current, name))
                current = {} if opening == "<struct>" else []
                continue
        elif not rest:                             # a scalar array item or param
            if current.__class__ is not list or (current is top and expect != 1):
                return None
            kind, raw, bare = ikind, iraw, ibare
        if not rest:
            if kind == "string":
                value = _text(raw) if escaped else raw
            elif not kind:
                value = _text(bare) if escaped else bare
            elif kind == "boolean" and (raw == "1" or raw == "0"):
                value = raw == "1"
            else:
                value = _typed(kind, raw, convert)
            if name:
                current[name] = value
            else:
                current.append(value)
                if current is top:
                    expect = 3 if fault else 2
            continue
        step = _STRUCTURE.get(rest)
        if step is None:
            step = _STRUCTURE.get(rest.translate(_UNSPACED))
            if step is None:
                return None
        if step in (_OPEN_STRUCT, _OPEN_ARRAY):
            if current.__class__ is not list or (current is top and expect != 1) \
                    or len(stack) >= max_depth:
                return None
            stack.append((current, None))
            current = {} if step == _OPEN_STRUCT else []
        elif step in (_CLOSE_STRUCT, _CLOSE_ARRAY):
            if not stack or (step == _CLOSE_STRUCT) != (current.__class__ is dict):
                return None
            parent, member = stack.pop()
            if (member is None) == rest.endswith("member>"):
                return None
            if member is None:
                parent.append(current)
            else:
                parent[member] = current
            current = parent
            if current is top:
                expect = 3 if fault else 2
        elif step == _SPACE:
            continue
        elif step == _PARAM:
            if current is not top or expect != 0:
                return None
            expect = 1
        elif step == _END_PARAM:
            if current is not top or expect != 2:
                return None
            expect = 0
        else:   # the end: of the root this message began with, after a whole value
            ok = current is top and rest.translate(_UNSPACED).endswith(f"</{root_tag}>") \
                and ((fault and expect == 3 and "</fault>" in rest)
                     or (not fault and expect == 0 and "</params>" in rest))
            return top if ok else None
    return None
