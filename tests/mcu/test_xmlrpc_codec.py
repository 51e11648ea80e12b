"""The sans-I/O XML-RPC codec against Python's xmlrpc.client (encode one side, decode other)."""

from __future__ import annotations

import xmlrpc.client as stdlib_xmlrpc
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hnth_drivers.errors import ProtocolError
from hnth_drivers.mcu import xmlrpc as codec

text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\x00"
                             "\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12"
                             "\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\ufffe\uffff"),
               max_size=20)
scalars = st.one_of(st.booleans(), st.integers(-(2**31), 2**31 - 1), text,
                    st.floats(allow_nan=False, allow_infinity=False))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(text, inner, max_size=4)), max_leaves=12)


@settings(max_examples=150, deadline=None)
@given(st.lists(values, max_size=3))
def test_calls_round_trip_with_the_stdlib(params: list[Any]) -> None:
    ours = codec.encode_call("conference.enumerate", params)
    theirs_params, method = stdlib_xmlrpc.loads(ours)
    assert method == "conference.enumerate" and list(theirs_params) == params
    stdlib = stdlib_xmlrpc.dumps(tuple(params), "conference.enumerate").encode()
    assert codec.decode_call(stdlib) == ("conference.enumerate", params)


@settings(max_examples=100, deadline=None)
@given(values)
def test_responses_round_trip_with_the_stdlib(value: Any) -> None:
    (back,), _ = stdlib_xmlrpc.loads(codec.encode_response(value))
    assert back == value
    stdlib = stdlib_xmlrpc.dumps((value,), methodresponse=True).encode()
    assert codec.decode_response(stdlib) == value


def test_faults_both_ways() -> None:
    with pytest.raises(stdlib_xmlrpc.Fault) as err:
        stdlib_xmlrpc.loads(codec.encode_fault(4, "no such conference"))
    assert err.value.faultCode == 4
    stdlib = stdlib_xmlrpc.dumps(stdlib_xmlrpc.Fault(14, "authorization failed")).encode()
    assert codec.decode_response(stdlib) == codec.Fault(14, "authorization failed")


@pytest.mark.parametrize("doc", [
    b"",
    b"<methodResponse>",
    b"<?xml version='1.0'?><!DOCTYPE r [<!ENTITY a 'x'>]><methodResponse/>",
    b"<!DOCTYPE r SYSTEM 'file:///etc/passwd'><methodResponse/>",
    b"<methodResponse><params><param><value><int>x</int></value></param></params>"
    b"</methodResponse>",
    b"<methodResponse><params><param><value><boolean>2</boolean></value></param></params>"
    b"</methodResponse>",
    b"<methodResponse><params><param><value><unknown/></value></param></params>"
    b"</methodResponse>",
    b"<other/>",
    b"<methodResponse><params><param><value>" + b"<array><data><value>" * 40 + b"1"
    + b"</value></data></array>" * 40 + b"</value></param></params></methodResponse>",
    b"<methodResponse><params><param><value>&undefined;</value></param></params>"
    b"</methodResponse>",
    b"<methodResponse><params><param><value><int>1</int><int>2</int></value></param>"
    b"</params></methodResponse>",
    b"<methodResponse><params><param><value><struct><member><value>1</value></member>"
    b"</struct></value></param></params></methodResponse>",
    b"<methodResponse><params><param><value><string><b/></string></value></param>"
    b"</params></methodResponse>",
    b"<methodResponse><params/><fault/></methodResponse>",
    b"<methodResponse xmlns='urn:x'><params><param><value>1</value></param></params>"
    b"</methodResponse>",
])
def test_malformed_or_dangerous_replies_are_protocol_errors(doc: bytes) -> None:
    with pytest.raises(ProtocolError):
        codec.decode_response(doc)


def test_comments_and_whitespace_are_not_values() -> None:
    doc = (b"<?xml version='1.0'?>\n<methodResponse>\n <!-- c --><params>\n<param>\n"
           b"<value><struct>\n<member><name>a</name>\n<value><int> 7 </int></value></member>"
           b"</struct></value></param></params></methodResponse>")
    assert codec.decode_response(doc) == {"a": 7}


def test_size_bound() -> None:
    doc = codec.encode_response("x" * 1000)
    with pytest.raises(ProtocolError, match="too large"):
        codec.decode_response(doc, max_bytes=500)


def test_bare_value_text_is_a_string_and_i8_and_nil() -> None:
    doc = (b"<methodResponse><params><param><value><array><data><value>plain</value>"
           b"<value><i8>9000000000</i8></value><value><nil/></value></data></array></value>"
           b"</param></params></methodResponse>")
    assert codec.decode_response(doc) == ["plain", 9_000_000_000, None]
    assert b"<i8>9000000000</i8>" in codec.encode_response(9_000_000_000)
