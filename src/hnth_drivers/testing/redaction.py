"""What a recording must not keep: passwords, keys, tokens, cookies, session ids.

Redaction works on names, then on values. A field whose *name* says it is a secret
(``authenticationPassword`` in an XML-RPC struct, ``<encryptPassword>`` in a SOAP body, a
``"token"`` key in JSON, the ``Authorization``/``Cookie``/``Set-Cookie`` headers) has its
value replaced by :data:`REDACTED`; every value removed that way, and every secret the
recorder was given (the password it logged in with), is then replaced wherever else it
appears in the transcript (a session id echoed in a later body, a URL). The placeholder is
plain ASCII and valid base64, so a replayed client can send it back (a cookie, a bearer
token, a ``base64Binary`` element) and requests still match.

Matching a live request against a recorded one uses :func:`normalise_body`: the same
name-based redaction, JSON re-serialised with sorted keys, XML without inter-tag spaces.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Iterable
from typing import Any

__all__ = ["REDACTED", "Redactor", "is_secret_name", "normalise_body"]

#: What a secret becomes in a recording (ASCII, valid base64, a valid cookie value).
REDACTED = "REDACTED"
_MIN_SCRUB = 4  # shorter values (a "0", a user "ab") would scrub ordinary data too

_SECRET_NAME = re.compile(
    r"""(?ix)^(?:
        .*pass(?:word|wd|phrase)?.*     # password, encryptPassword, authenticationPassword
      | .*secret.*
      | .*token.*
      | .*(?:api|auth|priv|private|shared|session|access)[-_]?key
      | key
      | .*session[-_]?(?:id)?            # session, sessionId, JSESSIONID
      | .*cookie.*
      | .*community.*                   # SNMP v1/v2c community string
      | (?:proxy-)?authorization
      | credentials?
    )$""")

_XMLRPC_MEMBER = re.compile(
    r"(<member>\s*<name>\s*([^<]+?)\s*</name>\s*<value>)\s*"
    r"(?:<(\w+)>([^<]*)</\3>|([^<]*))\s*(</value>)", re.S)
_XML_ELEMENT = re.compile(r"(<((?:[\w.-]+:)?([\w.-]+))(?:\s[^<>]*)?>)([^<]*)(</\2\s*>)")
_INTER_TAG = re.compile(r">\s+<")


def is_secret_name(name: str) -> bool:
    """Whether a field, element or header called ``name`` holds a secret."""
    return bool(_SECRET_NAME.match(name.strip()))


class Redactor:
    """Removes secrets from request and response bodies and headers.

    ``secrets`` are values known to be secret whatever field they appear in (the password
    of the session). :attr:`found` collects every value removed by name, for
    :meth:`scrub`; :attr:`names` what was redacted (names only), for the recording's
    header.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.found: set[str] = set()
        self.names: set[str] = set()
        for secret in secrets:
            self._remember(secret)

    def _remember(self, value: str) -> None:
        value = value.strip()
        if len(value) >= _MIN_SCRUB and value != REDACTED:
            self.found.update({value, html.escape(value, quote=False)})
            self.found.add(base64.b64encode(value.encode()).decode())

    def body(self, text: str, content_type: str = "") -> str:
        """``text`` with its secret fields replaced (values remembered for :meth:`scrub`)."""
        if "json" in content_type or text.lstrip().startswith(("{", "[")):
            try:
                data = json.loads(text)
            except ValueError:
                pass
            else:
                return json.dumps(self._json(data), separators=(",", ":"))
        if text.lstrip().startswith("<"):
            return self._xml(text)
        return text

    def _json(self, data: Any) -> Any:
        if isinstance(data, dict):
            out = {}
            for key, value in data.items():
                if isinstance(key, str) and is_secret_name(key) and value is not None:
                    self.names.add(f"json {key}")
                    for leaf in _leaves(value):
                        self._remember(leaf)
                    out[key] = REDACTED
                else:
                    out[key] = self._json(value)
            return out
        if isinstance(data, list):
            return [self._json(item) for item in data]
        return data

    def _xml(self, text: str) -> str:
        def member(m: re.Match[str]) -> str:
            if not is_secret_name(m[2]):
                return m[0]
            self.names.add(f"xml-rpc member {m[2]}")
            self._remember(html.unescape(m[4] if m[4] is not None else m[5] or ""))
            return f"{m[1]}<string>{REDACTED}</string>{m[6]}"

        def element(m: re.Match[str]) -> str:
            if not is_secret_name(m[3]) or not m[4].strip():
                return m[0]
            self.names.add(f"xml element {m[3]}")
            self._remember(html.unescape(m[4]))
            return f"{m[1]}{REDACTED}{m[5]}"

        return _XML_ELEMENT.sub(element, _XMLRPC_MEMBER.sub(member, text))

    def headers(self, items: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        """Headers with secret values replaced; cookie names and attributes are kept."""
        out = []
        for name, value in items:
            lower = name.lower()
            if lower in {"cookie", "set-cookie"}:
                out.append((name, self._cookies(lower, value)))
            elif is_secret_name(name):
                self.names.add(f"header {name}")
                scheme, sep, credential = value.partition(" ")
                self._remember(value)
                if sep and scheme.isalpha():
                    self._remember(credential)
                    out.append((name, f"{scheme} {REDACTED}"))
                else:
                    out.append((name, REDACTED))
            else:
                out.append((name, value))
        return out

    def _cookies(self, header: str, value: str) -> str:
        self.names.add(f"header {header}")
        parts = value.split(";")
        # Cookie: every pair is a cookie; Set-Cookie: the first pair, then attributes.
        count = len(parts) if header == "cookie" else 1
        for i in range(count):
            key, eq, val = parts[i].partition("=")
            if eq:
                self._remember(val.strip().strip('"'))
                parts[i] = f"{key}={REDACTED}"
        return ";".join(parts)

    def scrub(self, text: str) -> str:
        """``text`` with every remembered secret value replaced, wherever it appears."""
        for value in sorted(self.found, key=len, reverse=True):
            if value in text:
                text = text.replace(value, REDACTED)
        return text


def _leaves(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _leaves(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves(item)]
    return [] if value is None else [str(value)]


_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?")


def normalise_body(text: str, content_type: str = "") -> str:
    """The form a request body is matched in: secret fields redacted, layout ignored (and
    an XML-RPC struct's member order), and date-times (a driver's "now", e.g. SMC
    ``scheduleConfEx`` ``beginTime``) made equal, since a replay runs at another time than
    the recording."""
    redacted = _TIMESTAMP.sub("<time>", Redactor().body(text, content_type))
    try:
        return json.dumps(json.loads(redacted), sort_keys=True, separators=(",", ":"))
    except ValueError:
        pass
    if "<methodCall" in redacted[:200]:
        call = _xmlrpc_call(redacted)
        if call is not None:
            return call
    return _INTER_TAG.sub("><", redacted).strip()


def _xmlrpc_call(text: str) -> str | None:
    """An XML-RPC call as ``<methodName> <params as sorted JSON>``: the order of a struct's
    members means nothing (a recording made from a documented transcript lists them in
    the guide's order), nor does the encoding of a value."""
    from ..errors import HnthError
    from ..mcu.xmlrpc import decode_call

    try:
        method, params = decode_call(text.encode("utf-8"))
    except HnthError:
        return None
    return f"{method} " + json.dumps(params, sort_keys=True, separators=(",", ":"),
                                     default=str, ensure_ascii=False)
