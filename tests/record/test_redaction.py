"""Redaction by name (fields, elements, headers) and by value (anywhere else)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from hnth_drivers.testing.recording import Exchange, Recorder
from hnth_drivers.testing.redaction import REDACTED, Redactor, is_secret_name, normalise_body


@pytest.mark.parametrize("name", [
    "password", "authenticationPassword", "encryptPassword", "passwd", "passphrase",
    "token", "access_token", "X-Auth-Token", "apiKey", "api-key", "private_key", "key",
    "secret", "client_secret", "JSESSIONID", "sessionId", "session", "Cookie", "Set-Cookie",
    "Authorization", "credentials", "community", "snmpCommunity", "authKey", "privKey",
    "auth_key", "priv-key"])
def test_secret_names(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize("name", [
    "authenticationUser", "userName", "conferenceName", "enumerateID", "sessionTimeout",
    "randomSequence", "clientType", "keyframeInterval", "monkey"])
def test_ordinary_names(name: str) -> None:
    assert not is_secret_name(name)


def test_xmlrpc_member_is_redacted_and_its_value_scrubbed_elsewhere() -> None:
    red = Redactor()
    body = ("<methodCall><methodName>device.query</methodName><params><param><value><struct>"
            "<member><name>authenticationUser</name><value><string>admin</string></value>"
            "</member><member><name>authenticationPassword</name><value>"
            "<string>hunter2-pw</string></value></member></struct></value></param></params>"
            "</methodCall>")
    out = red.body(body)
    assert "hunter2-pw" not in out and f"<string>{REDACTED}</string>" in out
    assert "<string>admin</string>" in out
    assert red.scrub("echoed: hunter2-pw") == f"echoed: {REDACTED}"
    assert red.names == {"xml-rpc member authenticationPassword"}


def test_soap_element_is_redacted() -> None:
    red = Redactor()
    out = red.body('<s:Body><ns0:Authenticate xmlns:ns0="x"><ns0:encryptPassword>'
                   "q1w2e3r4t5==</ns0:encryptPassword></ns0:Authenticate></s:Body>")
    assert "q1w2e3r4t5" not in out
    assert f"<ns0:encryptPassword>{REDACTED}</ns0:encryptPassword>" in out


def test_json_keys_are_redacted_at_any_depth() -> None:
    red = Redactor()
    out = json.loads(red.body(json.dumps({
        "user": "admin", "password": "pw-123456", "auth": {"token": "tok-abcdef"},
        "items": [{"api_key": "k-98765"}], "name": "room"})))
    assert out == {"user": "admin", "password": REDACTED, "auth": {"token": REDACTED},
                   "items": [{"api_key": REDACTED}], "name": "room"}
    assert red.scrub("Bearer tok-abcdef") == f"Bearer {REDACTED}"


def test_headers_keep_names_and_cookie_attributes() -> None:
    red = Redactor()
    out = dict(red.headers([("Authorization", "Bearer tok-0123456789"),
                            ("Set-Cookie", "JSESSIONID=abc123def; Path=/; Secure"),
                            ("Cookie", "a=one111; b=two222"), ("X-Api-Key", "kkkkkkkk"),
                            ("Content-Type", "text/xml")]))
    assert out == {"Authorization": f"Bearer {REDACTED}",
                   "Set-Cookie": f"JSESSIONID={REDACTED}; Path=/; Secure",
                   "Cookie": f"a={REDACTED}; b={REDACTED}", "X-Api-Key": REDACTED,
                   "Content-Type": "text/xml"}
    for value in ("tok-0123456789", "abc123def", "one111", "two222", "kkkkkkkk"):
        assert red.scrub(f"x {value} y") == f"x {REDACTED} y"


def test_a_known_secret_is_scrubbed_wherever_it_appears(tmp_path: object) -> None:
    # An SSH password typed at a prompt, or a password in a field we have no name for:
    # the recorder was given it, so it goes wherever it is.
    rec = Recorder(kind="mcu", driver="x", driver_version="1", address="https://h/",
                   secrets=["ssh-pass-42"])
    rec.note(Exchange("POST", "/login", "login: admin\nPassword: ssh-pass-42\n", 200,
                      "welcome", (("content-type", "text/plain"),)))
    rec.note(Exchange("POST", "/x", '{"pin": "ssh-pass-42"}', 200,
                      '{"echo": "c3NoLXBhc3MtNDI="}'))  # base64 of the password
    _, exchanges = rec.redacted()
    dump = json.dumps([e.to_json() for e in exchanges])
    assert "ssh-pass-42" not in dump and "c3NoLXBhc3MtNDI=" not in dump
    assert "Password: REDACTED" in dump


def test_matching_ignores_secret_values_and_layout() -> None:
    a = "<a>\n  <password>one-secret</password>\n  <b>x</b>\n</a>"
    b = "<a><password>other-secret</password><b>x</b></a>"
    assert normalise_body(a) == normalise_body(b)
    assert normalise_body('{"b": 1, "token": "t1"}') == normalise_body('{"token":"t2","b":1}')
    assert normalise_body("<a><b>x</b></a>") != normalise_body("<a><b>y</b></a>")


# The Authenticate request of Huawei eSDK TP V100R003C30SPC100 Interface Reference 01
# (server), topic eSDK_tp_00020, as printed (whitespace collapsed).
ESDK_TP_00020 = (
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
    'xmlns:smc="http://smc.huawei.com/">  <soapenv:Header/>  <soapenv:Body>  '
    "<smc:Authenticate>  <encryptPassword>l/qjnOSOaby2KWBXEXILX7qp</encryptPassword>  "
    "</smc:Authenticate>  </soapenv:Body> </soapenv:Envelope>")


def test_the_vendors_documented_authenticate_is_redacted() -> None:
    red = Redactor()
    out = red.body(ESDK_TP_00020)
    assert "l/qjnOSOaby2KWBXEXILX7qp" not in out
    assert f"<encryptPassword>{REDACTED}</encryptPassword>" in out
    assert red.names == {"xml element encryptPassword"}


SHIPPED = sorted([*(Path(__file__).parent / "recordings").rglob("*.jsonl"),
                  *(Path(__file__).parents[2] / "examples").glob("*/tests/recordings/*.jsonl")])
_PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----|PuTTY-User-Key-File")


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_recordings_hold_no_secret(path: Path) -> None:
    from hnth_drivers.testing.replay import Recording
    from hnth_drivers.testing.wire import redact_line

    recording = Recording.load(path)
    text = path.read_text()
    assert not _PRIVATE_KEY.search(text), path
    for value in KNOWN_TEST_SECRETS:
        assert value not in text, (path, "a test password")
    if recording.header.transport in ("ssh", "udp", "serial"):
        # a shell: every secret-named "Name: value" pair holds the placeholder; a live
        # session's password was given to the recorder to scrub (the header says so)
        if recording.header.transport == "ssh" and not recording.header.source:
            assert recording.header.redactions, path
        for ex in recording.wire:
            for data in (ex.sent or b"", *ex.received):
                line = data.decode("utf-8", "replace")
                assert redact_line(line) == line, (path, line[:80])
        return
    assert recording.header.redactions, "a recording of a login redacts something"
    for ex in recording.exchanges:
        for name, value in ex.request_headers + ex.response_headers:
            if name.lower() in {"cookie", "set-cookie"}:
                pairs = value.split(";") if name.lower() == "cookie" else value.split(";")[:1]
                assert all(p.partition("=")[2] == REDACTED for p in pairs), (path, value)
            elif is_secret_name(name):
                assert value.split(" ")[-1] == REDACTED, (path, name)
        for body in (ex.request_body, ex.response_body):
            # a secret-named field holds the placeholder, nothing else
            assert Redactor().body(body) == body or body == "", (path, ex.describe())


#: Passwords the test suites give simulators and drivers: none may reach a recording.
KNOWN_TEST_SECRETS = ("rec-pw-0f3a9c", "cli-rec-pw-77", "rec-ssh-pw-5e1d", "codec-pass-1",
                      "transcript-pw")


def test_shipped_recordings_exist() -> None:
    names = {p.name for p in SHIPPED}
    assert names >= {"codian.jsonl", "smc.jsonl", "acme.jsonl", "xapi-ce.jsonl",
                     "xapi-tc.jsonl", "polycom.jsonl", "visca-ip.jsonl",
                     "visca-serial.jsonl", "xapi-tc7.jsonl", "polycom-group.jsonl",
                     "codian-2.10-participants.jsonl"}
