"""The fast XML-RPC scanner against lxml's reading and the stdlib: same values, or it
declines (and lxml decides); it never accepts what lxml refuses."""

from __future__ import annotations

import xmlrpc.client as stdlib_xmlrpc
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hnth_drivers.errors import ProtocolError
from hnth_drivers.mcu import xmlrpc as codec
from hnth_drivers.mcu.codian_api import M
from hnth_drivers.mcu.xmlrpc_scan import scan
from hnth_drivers.model import Endpoint
from hnth_sim.mcu.codian_params import Params
from hnth_sim.mcu.codian_server import CodianApi
from hnth_sim.mcu.model import Network

# text XML can carry ("\r" is normalised by XML, so it does not round-trip through any
# XML-RPC reader)
text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\x00"
                             "\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12"
                             "\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\ufffe\uffff"),
               max_size=20)
scalars = st.one_of(st.booleans(), st.integers(-(2**31), 2**31 - 1), text,
                    st.floats(allow_nan=False, allow_infinity=False), st.binary(max_size=8))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(text, inner, max_size=4)), max_leaves=12)


def named(value: Any) -> bool:
    """Whether every struct member in ``value`` has a name (the scanner leaves an empty
    name to lxml)."""
    if isinstance(value, dict):
        return all(key and named(item) for key, item in value.items())
    if isinstance(value, list):
        return all(named(item) for item in value)
    return True


def fast(doc: bytes) -> Any:
    return scan(doc, codec._CONVERT, codec.MAX_DEPTH)


def lxml_outcome(doc: bytes) -> Any:
    """What lxml's reading makes of ``doc``: its content, or the ProtocolError type."""
    try:
        if b"<methodCall" in doc:
            method, params = codec._lxml_call(doc)
            return False, method, params
        is_fault, params = codec._lxml_response(doc)
        return is_fault, None, params
    except ProtocolError:
        return ProtocolError


@settings(max_examples=150, deadline=None)
@given(values)
def test_our_responses_and_the_stdlibs_are_scanned_as_lxml_reads_them(value: Any) -> None:
    for doc in (codec.encode_response(value),
                stdlib_xmlrpc.dumps((value,), methodresponse=True).encode()):
        scanned = fast(doc)
        if named(value):
            assert scanned is not None, doc   # the usual shape: the fast path is taken
            assert scanned == lxml_outcome(doc) == (False, None, [value])
        else:
            assert scanned is None
        assert codec.decode_response(doc) == value


@settings(max_examples=100, deadline=None)
@given(st.lists(values, max_size=3))
def test_calls_are_scanned_as_lxml_reads_them(params: list[Any]) -> None:
    for doc in (codec.encode_call("participant.status", params),
                stdlib_xmlrpc.dumps(tuple(params), "participant.status").encode()):
        scanned = fast(doc)
        assert scanned == (lxml_outcome(doc) if named(params) else None)
        assert lxml_outcome(doc) == (False, "participant.status", params)


def test_faults_are_scanned() -> None:
    for doc in (codec.encode_fault(4, "no such conference"),
                stdlib_xmlrpc.dumps(stdlib_xmlrpc.Fault(4, "no such conference")).encode()):
        assert fast(doc) == (True, None, [{"faultCode": 4, "faultString": "no such conference"}])
        assert codec.decode_response(doc) == codec.Fault(4, "no such conference")


# Pieces that take a document out of the scanner's subset or break it; spliced into valid
# documents at random places below.
NASTY = [
    "<!-- c -->", "<?pi x?>", "<!DOCTYPE r [<!ENTITY a 'x'>]>", "&a;", "&#0;", "&#xD800;",
    "&#x110000;", "&#13;", "&amp;", "&lt;&gt;&quot;&apos;", "&#65;&#x42;", "]]>",
    "<![CDATA[x]]>", "\r", "\r\n", "\x01", "\ufffe", "\u00a0", " ", "\n", "\t", "<value/>",
    "<nil/>", "<string/>", "<value>", "</value>", "<struct>", "</struct>", "<member>",
    "</member>", "<name>x</name>", "<array><data>", "</data></array>", "<param>",
    "</param>", "<int>1</int>", "<int> 7 </int>", "<int>x</int>", "<boolean>2</boolean>",
    "<double>nan</double>", "<base64>!</base64>", '<value a="1">', "<x:value>",
    "<methodResponse>", "</methodResponse>", "<fault>", "</params>",
    "<?xml version='1.0' encoding='latin-1'?>", "\ufeff",
]


@settings(max_examples=400, deadline=None)
@given(values, st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(NASTY),
                                  st.integers(0, 3)), min_size=1, max_size=3),
       st.booleans())
def test_a_spoilt_document_is_scanned_as_lxml_reads_it_or_declined(
        value: Any, edits: list[tuple[int, str, int]], stdlib: bool) -> None:
    doc = (stdlib_xmlrpc.dumps((value,), methodresponse=True) if stdlib
           else codec.encode_response(value).decode())
    for at, piece, cut in edits:
        at %= len(doc) + 1
        doc = doc[:at] + piece + doc[at + cut:]
    data = doc.encode("utf-8", "surrogatepass")
    scanned = fast(data)
    if scanned is not None:
        assert lxml_outcome(data) == scanned
    try:
        ours: Any = codec.decode_response(data)
    except ProtocolError:
        ours = ProtocolError
    outcome = lxml_outcome(data)
    if outcome is ProtocolError or outcome[1] is not None:
        assert ours is ProtocolError
    elif not outcome[0] and len(outcome[2]) == 1:
        assert ours == outcome[2][0]


@pytest.mark.parametrize(("doc", "value"), [
    (b"<methodResponse><params><param><value><string>&amp;&lt;&gt;&quot;&apos;&#65;&#x42;"
     b"</string></value></param></params></methodResponse>", "&<>\"'AB"),
    (b"<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<methodResponse>\n<params>\n<param>\n"
     b"<value><struct>\n<member>\n<name>a&amp;b</name>\n<value><int> 7 </int></value>\n"
     b"</member>\n</struct></value>\n</param>\n</params>\n</methodResponse>\n",
     {"a&b": 7}),
    (b"<methodResponse><params><param><value>  </value></param></params></methodResponse>",
     "  "),
    ("<methodResponse><params><param><value>Hà Nội</value></param></params>"
     "</methodResponse>".encode(), "Hà Nội"),
])
def test_references_white_space_and_utf8_on_the_fast_path(doc: bytes, value: Any) -> None:
    assert fast(doc) == (False, None, [value])
    assert codec.decode_response(doc) == value


@pytest.mark.parametrize("doc", [
    b"<!DOCTYPE r SYSTEM 'file:///etc/passwd'><methodResponse><params><param><value>1"
    b"</value></param></params></methodResponse>",
    b"<methodResponse><params><param><value>&#0;</value></param></params></methodResponse>",
    b"<methodResponse><params><param><value>&undefined;</value></param></params>"
    b"</methodResponse>",
    b"<methodResponse><params><param><value><int>x</int></value></param></params>"
    b"</methodResponse>",
    b"<methodResponse><params><param><value>]]></value></param></params></methodResponse>",
    b"<methodResponse><params><param><value>\xff</value></param></params></methodResponse>",
    b"  <?xml version='1.0'?><methodResponse><params><param><value>1</value></param>"
    b"</params></methodResponse>",
    "<methodResponse><params><param><value>1</value></param></params></methodResponse>\u00a0"
    .encode(),
])
def test_what_lxml_refuses_is_declined_then_refused(doc: bytes) -> None:
    assert fast(doc) is None
    with pytest.raises(ProtocolError):
        codec.decode_response(doc)


def test_nesting_deeper_than_the_bound_is_declined_then_refused() -> None:
    deep: Any = 1
    for _ in range(codec.MAX_DEPTH + 1):
        deep = [deep]
    doc = stdlib_xmlrpc.dumps((deep,), methodresponse=True).encode()
    assert fast(doc) is None
    with pytest.raises(ProtocolError, match="nested deeper"):
        codec.decode_response(doc)
    ok: Any = 1
    for _ in range(codec.MAX_DEPTH):
        ok = {"k": ok}
    assert fast(codec.encode_response(ok)) is not None


def test_the_size_bound_comes_first() -> None:
    with pytest.raises(ProtocolError, match="too large"):
        codec.decode_response(codec.encode_response("x" * 1000), max_bytes=500)


def test_a_participant_page_of_the_simulator_takes_the_fast_path() -> None:
    net = Network(seed=1)
    mcu = net.add_mcu("m", ports=20)
    mcu.create_conference("c")
    for i in range(10):
        mcu.add_participant("c", Endpoint(f"s{i}", f"10.0.0.{i + 1}"))
    api = CodianApi(net, user="admin", password="pw", page_size=5)
    page = codec.encode_response(api._participant_enumerate(mcu, Params(
        {M.OPERATION_SCOPE: ["currentState", "configuredState"]})))
    scanned = fast(page)
    assert scanned is not None
    assert scanned == lxml_outcome(page)
    assert len(scanned[2][0][M.PARTICIPANTS]) == 5 and M.ENUMERATE_ID in scanned[2][0]
