"""Recordings built from the vendors' documented transcripts, not from our simulators.

The transcripts are the request/reply pairs the driver tests already hold, each written
from a vendor's guide with its source:

- Codian XML-RPC: ``tests/mcu/codian_transcripts.py`` (TANDBERG Codian Remote Management
  API 3.0; Cisco TelePresence MCU API 2.8, 2.9 D14626.12, 2.10 D14997; pages per exchange);
- Cisco xAPI, TC7 terminal output: ``TC7_BANNER`` / ``TC7_SESSION`` of
  ``tests/codec/test_codec_transcripts.py`` (Codec C20 API Reference Guide TC7.0
  D14869.11, Codec C90 System Integrator Guide D14128.03, SX20 API Reference Guide TC6.2
  D14949.04, Codec C90 API Reference Guide TC5.0 D14641.06);
- Poly Group Series: ``GROUP_SESSION`` of the same file (Integrator's Reference Manual for
  Polycom HDX Systems; RealPresence Group Series integrator manual 2457-23216-002);
- Sony VISCA over IP and RS-232: the ``brc300_ip`` and ``brc300_serial`` transcripts of
  ``tests/vectors/visca.json`` (Sony SRG-300H command list p. 31; EVI-H100S manual p. 29;
  BRC-300/P command list p. 14);
- Huawei SMC eSDK TP (SOAP): the topics' examples in
  ``tests/mcu_smc/vectors/esdk_tp_examples.json`` (eSDK TP V100R003C30SPC100 Interface
  Reference; see :func:`smc` for which requests are the guide's own).

Each becomes a recording in the format ``hnth record`` writes (header ``source`` naming
the documents, one ``source`` per exchange where the transcript gives one), so that the
replay serves the guides' replies to the driver: a driver change that agrees only with
our simulator fails against them. Requests are encoded with the project's sans-I/O
encoders (XML-RPC; the codec's command lines are the transcript's own bytes); the
authentication members carry the placeholder, as in any recording.

``python -m tests.record.documented`` writes them to ``tests/record/recordings/documented/``;
``test_documented_recordings.py`` checks that the shipped files are what this builds.
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path
from typing import Any

from hnth_drivers.mcu import xmlrpc
from hnth_drivers.mcu.smc_client import codec as smc_codec
from hnth_drivers.mcu.smc_protocol import NAMESPACE as SMC_NAMESPACE
from hnth_drivers.mcu.smc_protocol import service_of
from hnth_drivers.testing.recording import FORMAT
from hnth_drivers.testing.redaction import REDACTED, Redactor
from hnth_drivers.testing.wire import WireExchange, wire_to_json
from tests.codec import test_codec_transcripts as codec_t
from tests.mcu import codian_transcripts as codian_t
from tests.visca.visca_vectors import hexbytes, vectors

OUT = Path(__file__).parent / "recordings" / "documented"
RECORDED_AT = "n/a: built from documented transcripts by tests/record/documented.py"
CODIAN_ADDRESS = "https://codian.documented.invalid/RPC2"
CODEC_ADDRESS = "codec.documented.invalid:22"
SMC_ADDRESS = "https://smc.documented.invalid:8443/esdk/services"
SMC_EXAMPLES_FILE = (Path(__file__).parents[1] / "mcu_smc" / "vectors"
                     / "esdk_tp_examples.json")

CODIAN_SOURCE = ("TANDBERG Codian Remote Management API 3.0 (Sep 2008); Codian MCU 4200 "
                 "Remote Management API 2.0.1; Cisco TelePresence MCU API 2.7, 2.8, 2.9 "
                 "(D14626.12), 2.10 (D14997): pages per exchange; tests/mcu/"
                 "codian_transcripts.py")
XAPI_TC7_SOURCE = ("Cisco Codec C20 API Reference Guide TC7.0 D14869.11 p92 (Dial); Codec "
                   "C90 System Integrator Guide D14128.03 p76, p94 (DisconnectAll, call "
                   "status); SX20 API Reference Guide TC6.2 D14949.04 p121 (EarlyMedia); "
                   "Codec C90 API Reference Guide TC5.0 D14641.06 p84 ('** end'): "
                   "tests/codec/test_codec_transcripts.py TC7_SESSION")
POLY_GROUP_SOURCE = ("Integrator's Reference Manual for Polycom HDX Systems (notify "
                     "callstatus p238, camera near, mute near, callinfo all); RealPresence "
                     "Group Series integrator manual 2457-23216-002 (p85, p154): "
                     "tests/codec/test_codec_transcripts.py GROUP_SESSION")


def _header(kind: str, driver: str, address: str, transport: str, source: str,
            redactions: list[str]) -> dict[str, Any]:
    return {"kind": kind, "driver": driver, "driver_version": "documented",
            "recorded_at": RECORDED_AT, "address": address, "user": "admin",
            "redactions": redactions, "format": FORMAT, "transport": transport,
            "source": source}


def codian(exchanges: list[codian_t.Exchange]) -> list[dict[str, Any]]:
    """The lines of a Codian recording answering ``exchanges`` (the guides' replies)."""
    lines: list[dict[str, Any]] = [_header(
        "mcu", "codian", CODIAN_ADDRESS, "https", CODIAN_SOURCE,
        ["xml-rpc member authenticationPassword"])]
    for ex in exchanges:
        struct = {"authenticationUser": "admin", "authenticationPassword": REDACTED,
                  **ex.request}
        reply = (xmlrpc.encode_fault(*ex.fault) if ex.fault is not None
                 else xmlrpc.encode_response(ex.reply))
        lines.append({
            "method": "POST", "path": "/RPC2",
            "request_headers": [["content-type", "text/xml"]],
            "request_body": xmlrpc.encode_call(ex.method, [struct]).decode(),
            "status": 200, "response_headers": [["content-type", "text/xml"]],
            "response_body": reply.decode(), "source": ex.source})
    return [*lines, {"end": len(lines) - 1}]


Session = list[tuple[str, dict[str, object], bytes, bytes, object]]


def codec(driver: str, source: str, banner: bytes, session: Session,
          ) -> list[dict[str, Any]]:
    """The lines of an SSH recording: the banner when the shell opens, then each
    documented command line and the bytes the guide shows in answer."""
    lines: list[dict[str, Any]] = [
        _header("vcs", driver, CODEC_ADDRESS, "ssh", source, []),
        wire_to_json(WireExchange(None, (banner,) if banner else ()), "ssh")]
    for operation, _args, sent, received, _value in session:
        line = wire_to_json(WireExchange(sent, (received,) if received else ()), "ssh")
        lines.append({**line, "operation": operation})
    return [*lines, {"end": len(lines) - 1}]


def visca(name: str) -> list[dict[str, Any]]:
    """The lines of a camera recording from the VISCA transcript ``name`` (its steps with
    bytes; a step the driver refuses before sending has none)."""
    transcript = next(t for t in vectors()["transcripts"] if t["name"] == name)
    sources = vectors()["sources"]
    cited = ", ".join(f"{key}: {sources[key]}" for key in sources
                      if key in transcript["source"])
    transport = "udp" if transcript["transport"] == "ip" else "serial"
    driver = "visca-ip" if transport == "udp" else "visca-serial"
    address = "camera.documented.invalid:52381" if transport == "udp" else "/dev/ttyDOC0"
    header = _header("camera", driver, address, transport,
                     f"{transcript['source']} ({cited}): tests/vectors/visca.json {name}",
                     [])
    header["options"] = {"model": transcript["model"]}
    lines: list[dict[str, Any]] = [header, wire_to_json(WireExchange(None), transport)]
    for step in transcript["steps"]:
        if "send" not in step:
            continue
        exchange = WireExchange(hexbytes(step["send"]),
                                tuple(hexbytes(r) for r in step["receive"]))
        lines.append({**wire_to_json(exchange, transport), "operation": step["command"]})
    return [*lines, {"end": len(lines) - 1}]


SmcStep = tuple[str, dict[str, Any], str, str]
"""operation, the parameters the driver sends, the eSDK TP topic whose reply answers,
and how the request relates to the topic's example."""

#: The SMC driver's login, main reads, switch and logout, in the order
#: ``test_documented_recordings.py`` drives them.
SMC_SESSION: list[SmcStep] = [
    ("LoginRequest", {"userName": "user1", "clientType": "API", "version": 2},
     "eSDK_tp_00019", "the topic's request"),
    ("Authenticate", {"encryptPassword": base64.b64decode("l/qjnOSOaby2KWBXEXILX7qp")},
     "eSDK_tp_00020", "the topic's request, encryptPassword redacted"),
    ("queryConferencesStatusEx", {}, "eSDK_tp_00031",
     "the driver's conferences(): the topic's request without confIds (all conferences)"),
    ("queryConfSitesStatusEx", {"confId": "94"}, "eSDK_tp_00032",
     "the driver's participants(): the topic's request without siteUris (all sites)"),
    ("queryConfSitesStatusEx", {"confId": "94", "siteUris": ["01010010"]},
     "eSDK_tp_00032", "the topic's request (the driver's participant())"),
    ("setVideoSourceEx", {"confId": "41360", "siteUri": "01010086",
                          "videoSourceUri": "01010010"}, "eSDK_tp_00040",
     "the topic's request without the optional isLock (the driver's show_full_screen "
     "with a target never sends it)"),
    ("Logout", {}, "eSDK_tp_00021", "the topic's request"),
]


def smc_examples() -> dict[str, Any]:
    """The eSDK TP examples file: ``source`` and ``examples`` by topic id."""
    data: dict[str, Any] = json.loads(SMC_EXAMPLES_FILE.read_text(encoding="utf-8"))
    return data


def smc(steps: list[SmcStep]) -> list[dict[str, Any]]:
    """The lines of an SMC recording: each request as the driver's SOAP codec encodes it,
    answered with the guide's reply to that topic, verbatim.

    The guide's request envelopes (``soapenv:``/``smc:`` prefixes, a ``soapenv:Header``,
    comments) are not byte-equal to what zeep sends, and the replay matches normalised
    bodies, not XML infosets: so each request is encoded from the topic's parameters with
    the driver's codec (``tests/mcu_smc/test_smc_transcripts.py`` checks that the codec
    encodes the topics' parameters as the guide's requests, element for element). Where
    the driver asks something the guide's example does not (every conference, every site,
    no isLock), the request is the driver's and the reply the topic's (see
    :data:`SMC_SESSION`). The login is the documented one (user ``user1``, the guide's
    ``randomSequence``); ``encryptPassword`` and the session cookie (eSDK_tp_00002's
    ``JSESSIONID``) carry the placeholder, as in any recording: the replay matches the
    redacted form, so the replay's own password logs in. eSDK_tp_00040's switch is in
    conference 41360, whose sites no example lists: the replaying test gives the driver
    those two URIs, as a ``participants()`` there would.
    """
    examples = smc_examples()
    header = _header("mcu", "smc", SMC_ADDRESS, "https", "", [
        "header cookie", "header set-cookie", "xml element encryptPassword"])
    header["user"] = "user1"
    topics = ", ".join(dict.fromkeys(topic for _op, _p, topic, _how in steps))
    header["source"] = (f"{examples['source']}: topics {topics} (session cookie: "
                        "eSDK_tp_00002): tests/mcu_smc/vectors/esdk_tp_examples.json")
    lines: list[dict[str, Any]] = [header]
    cookie = f"JSESSIONID={REDACTED}"
    for operation, params, topic, how in steps:
        body = smc_codec().envelope(operation, params).decode("utf-8")
        request_headers = [["accept", "*/*"], ["content-type", "text/xml; charset=utf-8"],
                           ["soapaction", f'"{SMC_NAMESPACE}{operation}"']]
        if operation != "LoginRequest":
            request_headers.append(["cookie", cookie])
        response_headers = [["content-type", "text/xml; charset=utf-8"]]
        if operation in ("LoginRequest", "Authenticate"):
            response_headers.append(["set-cookie", cookie])
        lines.append({
            "method": "POST", "path": f"/esdk/services/{service_of(operation)}",
            "request_headers": request_headers,
            "request_body": Redactor().body(body, "text/xml"),
            "status": 200, "response_headers": response_headers,
            "response_body": examples["examples"][topic]["reply"],
            "source": f"{topic}: {how}"})
    return [*lines, {"end": len(lines) - 1}]


def recordings() -> dict[str, list[dict[str, Any]]]:
    """Every documented recording, by file name."""
    return {
        "codian-2.10-participants.jsonl": codian(codian_t.PARTICIPANTS_210),
        "codian-2.10-full-screen.jsonl": codian(codian_t.FULL_SCREEN_210),
        "codian-2.8-conference.jsonl": codian(codian_t.CONFERENCE_28),
        "codian-wrong-password.jsonl": codian(codian_t.WRONG_PASSWORD),
        "xapi-tc7.jsonl": codec("xapi", XAPI_TC7_SOURCE, codec_t.TC7_BANNER,
                                codec_t.TC7_SESSION),
        "polycom-group.jsonl": codec("polycom", POLY_GROUP_SOURCE, b"",
                                     codec_t.GROUP_SESSION),
        "visca-ip-brc300.jsonl": visca("brc300_ip"),
        "visca-serial-brc300.jsonl": visca("brc300_serial"),
        "smc-esdk-tp.jsonl": smc(SMC_SESSION),
    }


def render(lines: list[dict[str, Any]]) -> str:
    """The file's text (as the recorder writes it)."""
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)


def main() -> int:
    """Write the documented recordings."""
    OUT.mkdir(parents=True, exist_ok=True)
    for name, lines in recordings().items():
        (OUT / name).write_text(render(lines), encoding="utf-8")
        print(f"{OUT / name}: {len(lines) - 2} exchanges")
    return 0


if __name__ == "__main__":
    sys.exit(main())
