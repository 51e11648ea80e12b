"""A client that logs in exactly as Cisco's jsxapi does, against the xAPI simulator.

This is a fake of jsxapi's behaviour, written from what its source does (cisco-ce/jsxapi,
src/transport/ssh.ts and src/backend/tsh.ts), not from our driver:

- SSH: keyboard-interactive only (``password`` is removed from the connect options), the
  handler answers ``[password]`` whatever the prompts; no PTY (``shell(false)``);
- wait for a line exactly ``OK``, send ``echo off``, wait for the next ``OK``, send
  ``xpreferences outputmode json`` and treat the session as ready without a reply;
- every request is ``<command> | resultId="<id>"``; parameters sorted by name as
  ``Name: value`` with strings JSON-encoded; a multi-line body is sent as ``{N}`` (N = UTF-8
  bytes of command line + body + newline), command line, body, newline;
- a JSON object holding ``ResultId`` is the reply to that request; one without is feedback.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paramiko
import pytest

from hnth_sim.codec import CodecSimulator

from .conftest import PASSWORD, make_sim


class JsxapiLikeClient:
    """The session set-up and request framing of jsxapi, over paramiko."""

    def __init__(self, sim: CodecSimulator, host_pub: Path, password: str) -> None:
        host, port = sim.address
        self.sock = socket.create_connection((host, port), timeout=5)
        self.transport = paramiko.Transport(self.sock)
        self.transport.start_client(timeout=5)
        kind, blob = host_pub.read_text().split()[:2]
        key = self.transport.get_remote_server_key()
        assert (key.get_name(), key.get_base64()) == (kind, blob)   # pinned host key
        # keyboard-interactive only: one answer, the password, whatever was asked
        self.transport.auth_interactive("admin", lambda title, instr, prompts: [password])
        self.channel = self.transport.open_session(timeout=5)
        self.channel.invoke_shell()                                   # no PTY requested
        self.channel.settimeout(5)
        self.buffer = ""
        self.feedback: list[dict[str, Any]] = []
        self.next_id = 0
        self.banner = self._until_line("OK")
        self._write("echo off\n")
        self._until_line("OK")
        self._write("xpreferences outputmode json\n")                # ready, no reply awaited

    def close(self) -> None:
        self.transport.close()

    def _write(self, text: str) -> None:
        self.channel.sendall(text.encode("utf-8"))

    def _read(self) -> None:
        data = self.channel.recv(65536)
        assert data, "connection closed"
        self.buffer += data.decode("utf-8")

    def _until_line(self, wanted: str) -> list[str]:
        seen = []
        while True:
            while "\n" in self.buffer:
                line, self.buffer = self.buffer.split("\n", 1)
                seen.append(line.rstrip("\r"))
                if seen[-1] == wanted:
                    return seen
            self._read()

    def _objects(self) -> Iterator[dict[str, Any]]:
        decoder = json.JSONDecoder()
        while True:
            text = self.buffer.lstrip()
            if text.startswith("{"):
                try:
                    obj, end = decoder.raw_decode(text)
                except ValueError:
                    self._read()
                    continue
                self.buffer = text[end:]
                yield obj
            elif "\n" in text:
                self.buffer = text.split("\n", 1)[1]     # not JSON: not a reply
            else:
                self._read()

    @staticmethod
    def params(values: dict[str, Any]) -> str:
        parts = []
        for name in sorted(values):
            value = values[name]
            text = ("True" if value else "False") if isinstance(value, bool) else \
                json.dumps(value)
            parts.append(f"{name}: {text}")
        return " ".join(parts)

    def request(self, command: str, values: dict[str, Any] | None = None,
                body: str | None = None) -> dict[str, Any]:
        self.next_id += 1
        tag = str(self.next_id)
        line = command + (" " + self.params(values) if values else "") + f' | resultId="{tag}"'
        if body is None:
            self._write(line + "\n")
        else:
            payload = f"{line}\n{body}\n"
            self._write(f"{{{len(payload.encode('utf-8'))}}} \n{payload}")
        for obj in self._objects():
            if "ResultId" in obj:
                assert obj["ResultId"] == tag
                return obj
            self.feedback.append(obj)
        raise AssertionError("unreachable")


@pytest.fixture
def client(keys: dict[str, Path]) -> Iterator[tuple[JsxapiLikeClient, CodecSimulator]]:
    with make_sim("xapi", keys) as sim:
        jsx = JsxapiLikeClient(sim, Path(f"{keys['host']}.pub"), PASSWORD)
        try:
            yield jsx, sim
        finally:
            jsx.close()


def test_login_banner_as_jsxapi_expects(client: tuple[JsxapiLikeClient, CodecSimulator]
                                        ) -> None:
    jsx, _ = client
    assert jsx.banner[0].startswith("Welcome to ")
    assert jsx.banner[1].startswith("Cisco Codec Release ce")
    assert "*r Login successful" in jsx.banner and jsx.banner[-1] == "OK"


def test_status_command_and_feedback_in_json(client: tuple[JsxapiLikeClient, CodecSimulator]
                                             ) -> None:
    jsx, sim = client
    assert jsx.request("xStatus Audio Volume") == {
        "Status": {"Audio": {"Volume": {"Value": "50"}}}, "ResultId": "1"}
    assert jsx.request("xStatus Call") == {"ResultId": "2"}          # no calls: empty
    assert jsx.request("xfeedback register /Status/Call") == {"ResultId": "3"}
    dialled = jsx.request("xCommand Dial", {"Number": "543210", "Protocol": "H323"})
    result = dialled["CommandResponse"]["DialResult"]
    assert result["status"] == "OK" and result["CallId"] == {"Value": "1"}
    status = jsx.request("xStatus Call")
    call = status["Status"]["Call"][0]
    assert call["id"] == "1" and call["RemoteNumber"] == {"Value": "543210"}
    assert jsx.request("xCommand Call DisconnectAll")["CommandResponse"] == {
        "DisconnectAllResult": {"status": "OK"}}
    assert sim.model.calls() == []
    # feedback objects carry no ResultId and have the status tree's shape
    assert all("ResultId" not in f and "Call" in f["Status"] for f in jsx.feedback)
    assert {"id": "1", "ghost": "True"} in [c for f in jsx.feedback for c in f["Status"]["Call"]]


def test_errors_in_the_documented_json_shape(client: tuple[JsxapiLikeClient, CodecSimulator]
                                             ) -> None:
    jsx, _ = client
    unknown = jsx.request("xCommand Foo Bar")
    assert unknown["CommandResponse"]["Result"]["status"] == "Error"
    assert unknown["CommandResponse"]["Result"]["Reason"] == {"Value": "Unknown command"}
    refused = jsx.request("xCommand Camera Preset Activate", {"PresetId": 36})
    body = refused["CommandResponse"]["CameraPresetActivateResult"]
    assert body["status"] == "Error" and "Reason" in body
    ramp = jsx.request("xCommand Camera Ramp", {"CameraId": 1, "Pan": "Left", "PanSpeed": 3})
    assert ramp["CommandResponse"] == {"RampResult": {"status": "OK"}}


def test_multi_line_body_framing(client: tuple[JsxapiLikeClient, CodecSimulator]) -> None:
    jsx, sim = client
    framed = jsx.request("xCommand Dial", {"Number": "5551234"}, body="line one\nligne Hà Nội")
    assert framed["CommandResponse"]["DialResult"]["status"] == "OK"
    assert [c.number for c in sim.model.calls()] == ["5551234"]
    # the body was consumed exactly: the next request is read as a request
    assert jsx.request("xStatus Audio Microphones Mute")["Status"] == {
        "Audio": {"Microphones": {"Mute": {"Value": "Off"}}}}
