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


def _value(typed: int) -> str:
    """The rest of a <value> holding a scalar: its type, typed text or bare text."""
    return rf"(?:{_S}*<({_TYPES})>([^<]*)</\{typed}>{_S}*|([^<]*))</value>"


_TOKEN = re.compile("|".join([
    # 1: a member holding a scalar: name 2, type 3, typed text 4, bare text 5
    rf"(<member>{_S}*<name>([^<]*)</name>{_S}*<value>{_value(3)}{_S}*</member>)",
    # 6: a scalar value (array item or param): type 7, typed text 8, bare text 9
    rf"(<value>{_value(7)})",
    # 10: a member opening a struct or array: name 11, container 12
    rf"(<member>{_S}*<name>([^<]*)</name>{_S}*<value>{_S}*<(struct>|array>{_S}*<data>))",
    # 13: a value opening a struct or array: container 14
    rf"(<value>{_S}*<(struct>|array>{_S}*<data>))",
    # 15: a container closing: which 16, closing its member too 17
    rf"(</(struct>|data>{_S}*</array>){_S}*</value>({_S}*</member>)?)",
    rf"({_S}+)",                                   # 18: white space between elements
    r"(<param>)",                                  # 19
    r"(</param>)",                                 # 20
    # 21: the end of the message: which 22 (params/fault), root 23
    rf"(</(params|fault)>{_S}*</(methodResponse|methodCall)>{_S}*\Z)",
    r"(.)",                                        # 24: anything else: not ours
]), re.DOTALL)
_MEMBER, _ITEM, _OPEN_MEMBER, _OPEN_ITEM, _CLOSE, _SPACE, _PARAM, _END_PARAM, _END = \
    1, 6, 10, 13, 15, 18, 19, 20, 21

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
    for match in _TOKEN.finditer(text, start):
        token = match.lastindex
        if token == _MEMBER:
            if current.__class__ is not dict:
                return None
            name, kind, raw, bare = match.group(2, 3, 4, 5)
            if kind is None:
                value = _text(bare) if escaped else bare
            elif kind == "string":
                value = _text(raw) if escaped else raw
            else:
                value = _typed(kind, raw, convert)
            current[_text(name) if escaped else name] = value
        elif token == _ITEM:
            if current.__class__ is not list or (current is top and expect != 1):
                return None
            kind, raw, bare = match.group(7, 8, 9)
            if kind is None:
                value = _text(bare) if escaped else bare
            elif kind == "string":
                value = _text(raw) if escaped else raw
            else:
                value = _typed(kind, raw, convert)
            current.append(value)
            if current is top:
                expect = 3 if fault else 2
        elif token == _OPEN_MEMBER:
            if current.__class__ is not dict or len(stack) >= max_depth:
                return None
            stack.append((current, _text(match[11]) if escaped else match[11]))
            current = {} if match[12] == "struct>" else []
        elif token == _OPEN_ITEM:
            if current.__class__ is not list or (current is top and expect != 1) \
                    or len(stack) >= max_depth:
                return None
            stack.append((current, None))
            current = {} if match[14] == "struct>" else []
        elif token == _CLOSE:
            if not stack or (match[16] == "struct>") != (current.__class__ is dict):
                return None
            parent, name = stack.pop()
            if (name is None) != (match[17] is None):
                return None
            if name is None:
                parent.append(current)
            else:
                parent[name] = current
            current = parent
            if current is top:
                expect = 3 if fault else 2
        elif token == _SPACE:
            continue
        elif token == _PARAM:
            if current is not top or expect != 0:
                return None
            expect = 1
        elif token == _END_PARAM:
            if current is not top or expect != 2:
                return None
            expect = 0
        elif token == _END:
            ok = current is top and match[23] == root_tag and (
                (fault and expect == 3 and match[22] == "fault")
                or (not fault and expect == 0 and match[22] == "params"))
            return top if ok else None
        else:
            return None
    return None
