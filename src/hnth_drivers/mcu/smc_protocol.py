"""Huawei SMC eSDK TP (SOAP), sans I/O: services, the login hash, result codes, flags, layouts.

Shared by the ``smc`` driver and the simulator's SOAP front end (no socket here). Source:
Huawei "eSDK TP V100R003C30SPC100 Interface Reference 01 (server)" (CHM), topics named
``eSDK_tp_000NN`` below; docs/mcu-smc.md lists every operation and element with its topic.

- Services (eSDK_tp_00002): ``<base>/tpCommon`` (login, keep-alive),
  ``<base>/tpProfessionalConfMgr`` (scheduling, queries), ``<base>/tpProfessionalConfCtrl``
  (conference control), ``<base>/tpProfessionalSiteMgr`` (site management: none of its
  operations is used); the base is ``https://HOST:PORT/esdk/services``.
- Login (eSDK_tp_00019, eSDK_tp_00020): ``LoginRequest(userName, clientType, version)`` →
  ``randomSequence``; ``Authenticate(encryptPassword)`` with :func:`encrypt_password`.
- Every reply carries ``resultCode``: 0 is success (:data:`RESULT_CODES` for the rest).
- Integer flags are inverted (0 = muted, 0 = start broadcasting …): :data:`FLAGS`.
"""

from __future__ import annotations

import base64
import enum
import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Final

from ..model import ConnectionState, SignalProtocol

__all__ = [
    "ASYNC_OPERATIONS",
    "CLIENT_TYPE",
    "FLAGS",
    "KEEPALIVE_MAX_S",
    "LOGIN_VERSION",
    "NAMESPACE",
    "PRESENCE_MODES",
    "READ_OPERATIONS",
    "RESULT_CODES",
    "SERVICES",
    "SESSION_INVALID",
    "SESSION_LIFETIME_S",
    "SITE_STATES",
    "SITE_TYPES",
    "WSDL_PATH",
    "ErrorKind",
    "Flag",
    "ResultCode",
    "encrypt_password",
    "mode_of",
    "pane_count",
    "result_code",
    "service_of",
    "wsdl_bytes",
]

NAMESPACE: Final = "http://smc.huawei.com/"
CLIENT_TYPE: Final = "API"
LOGIN_VERSION: Final = 2
"""``LoginRequest.version``: "use 2" (eSDK_tp_00019)."""
SESSION_LIFETIME_S: Final = 60.0
"""A session lives at most 60 s without a call (eSDK_tp_00022)."""
KEEPALIVE_MAX_S: Final = 40.0
"""Recommended keep-alive interval: at most 40 s (eSDK_tp_00022)."""
WSDL_PATH: Final[Path] = Path(str(resources.files("hnth_drivers.mcu").joinpath("wsdl", "smc.wsdl")))

SERVICES: Final[dict[str, tuple[str, ...]]] = {
    "tpCommon": ("LoginRequest", "Authenticate", "Logout", "KeepAlive"),
    "tpProfessionalConfMgr": (
        "scheduleConfEx", "prolongScheduledConfEx", "queryConferencesStatusEx",
        "queryConfSitesStatusEx", "addSiteToConfEx", "delSiteFromConfEx", "connectSitesEx",
        "disconnectSitesEx", "delScheduledConfEx", "getContinuousPresenceInfoEx",
        "getContinuousPresenceParamEx"),
    "tpProfessionalConfCtrl": (
        "setVideoSourceEx", "setBroadcastSiteEx", "setSitesMuteEx", "setSitesQuietEx",
        "setContinuousPresenceEx"),
    "tpProfessionalSiteMgr": (),
}
"""Service path (under the base URL) → the operations we use that it serves."""

PORTS: Final = {"tpCommon": "TpCommonPort", "tpProfessionalConfMgr": "TpProfessionalConfMgrPort",
                "tpProfessionalConfCtrl": "TpProfessionalConfCtrlPort"}
"""Service path → the port of our WSDL that describes it."""

READ_OPERATIONS: Final = frozenset({
    "queryConferencesStatusEx", "queryConfSitesStatusEx", "getContinuousPresenceInfoEx",
    "getContinuousPresenceParamEx", "KeepAlive"})
"""Operations that change nothing: repeated after a fresh login; writes never are."""

ASYNC_OPERATIONS: Final = frozenset({"setBroadcastSiteEx"})
"""Site-control operations we use whose resultCode 0 only means "sent" (eSDK_tp_00002)."""


def service_of(operation: str) -> str:
    """The service path serving ``operation`` (KeyError for one we do not use)."""
    for service, operations in SERVICES.items():
        if operation in operations:
            return service
    raise KeyError(operation)


def wsdl_bytes() -> bytes:
    """Our WSDL document (shipped in the package)."""
    return WSDL_PATH.read_bytes()


def encrypt_password(password: str, random_sequence: bytes) -> bytes:
    """``encryptPassword`` for one login (eSDK_tp_00020): the 32-byte digest to send.

    SHA-256 of ``hex(SHA-256(password)) + hex(randomSequence)``, lowercase hex, UTF-8.
    """
    first = hashlib.sha256(password.encode("utf-8")).hexdigest()
    return hashlib.sha256((first + random_sequence.hex()).encode("utf-8")).digest()


def encrypt_password_b64(password: str, random_sequence_b64: str) -> str:
    """The same, base64 in and out, as the documented example writes it."""
    digest = encrypt_password(password, base64.b64decode(random_sequence_b64))
    return base64.b64encode(digest).decode("ascii")


# ---- result codes (eSDK_tp_error_01, eSDK_tp_error_02) -----------------------------------

class ErrorKind(enum.Enum):
    """Which typed error a result code becomes."""

    AUTH = "auth"
    SESSION = "session"
    NO_CONFERENCE = "no_conference"
    NO_SITE = "no_site"
    PARAMETER = "parameter"
    TIMEOUT = "timeout"
    DEVICE = "device"


@dataclass(frozen=True, slots=True)
class ResultCode:
    """A documented non-zero ``resultCode``: its meaning and the error it becomes."""

    code: int
    meaning: str
    kind: ErrorKind


def _codes(kind: ErrorKind, *rows: tuple[int, str]) -> list[ResultCode]:
    return [ResultCode(code, meaning, kind) for code, meaning in rows]


RESULT_CODES: Final[dict[int, ResultCode]] = {r.code: r for r in [
    *_codes(ErrorKind.PARAMETER,
            (570462209, "data-type conversion error"),
            (570462210, "mandatory parameters incomplete"),
            (570462211, "parameter out of range"),
            (570462212, "reserved parameter, not open"),
            (570789891, "site URI empty"),
            (570789894, "conference ID empty"),
            (570789895, "conference ID illegal"),
            (570789897, "site name empty"),
            (1342177281, "parameter error"),
            (2130000022, "parameter must not be null")),
    *_codes(ErrorKind.AUTH,
            (570462213, "user already logged in, duplicate login not allowed"),
            (1344274433, "authentication password wrong"),
            (1344274482, "account or password wrong"),
            (2130000014, "application authentication to eSDK failed"),
            (2130000027, "account locked after wrong passwords")),
    *_codes(ErrorKind.SESSION,
            (571052032, "session invalid or user not logged in"),
            (1351614476, "session validation failed"),
            (1351614477, "session empty"),
            (1351614478, "session timed out")),
    *_codes(ErrorKind.NO_CONFERENCE,
            (570789889, "conference does not exist or is not running"),
            (1344274468, "conference does not exist"),
            (1347420162, "conference does not exist")),
    *_codes(ErrorKind.NO_SITE,
            (570789896, "site not in the SDK device list"),
            (1345323009, "specified site does not exist"),
            (1347440653, "specified site not in the conference")),
    *_codes(ErrorKind.TIMEOUT,
            (1346371607, "MCU conference-control command timed out")),
    *_codes(ErrorKind.DEVICE,
            (2130000010, "SDK internal error"),
            (2130000011, "network error between eSDK and the device"),
            (2130000012, "device connection failed"),
            (2130000013, "device not in the platform list"),
            (2130000017, "interface not supported"),
            (2130000019, "SSL handshake failed"),
            (2130000020, "native exception"),
            (2130000023, "network error between application and eSDK"),
            (2130000028, "system busy"),
            (2130000030, "RSA2048 decryption failed"),
            (2130000031, "RSA2048 encryption failed"),
            (2130000037, "getting the public key failed")),
]}
"""Every documented non-zero result code."""

SESSION_INVALID: Final = frozenset(c for c, r in RESULT_CODES.items()
                                   if r.kind is ErrorKind.SESSION)


def result_code(code: int) -> ResultCode:
    """The documented meaning of ``code``; an undocumented one is a DEVICE error."""
    return RESULT_CODES.get(code) or ResultCode(code, "undocumented result code",
                                                ErrorKind.DEVICE)


# ---- inverted flags and enumerations in one place ---------------------------------------

class Flag(enum.Enum):
    """The integer flags of the interface, each with the wire value that means "on"."""

    MUTE = ("isMute", 0)                 # setSitesMuteEx, SiteStatusEx: 0 mute, 1 unmute
    QUIET = ("isQuiet", 0)               # setSitesQuietEx, SiteStatusEx: 0 quiet, 1 not
    BROADCAST = ("isBroadcast", 0)       # setBroadcastSiteEx: 0 start, 1 stop
    AUDIO_SWITCH = ("isAudioSwitch", 0)  # ConferenceStatusEx: 0 on, 1 off

    @property
    def element(self) -> str:
        """The element that carries the flag."""
        return self.value[0]

    def wire(self, on: bool) -> int:
        """The wire value for ``on``."""
        return self.value[1] if on else 1 - self.value[1]

    def read(self, value: int) -> bool:
        """Whether the wire value means "on" (anything but 0 or 1: ValueError)."""
        if value not in (0, 1) or isinstance(value, bool):
            raise ValueError(f"{self.element} must be 0 or 1, not {value!r}")
        return value == self.value[1]


FLAGS: Final = {f.element: f for f in Flag}
"""Flag by element name (eSDK_tp_00009, 00010, 00042, 00044)."""

SITE_STATES: Final[dict[int, tuple[ConnectionState, str]]] = {
    0: (ConnectionState.UNKNOWN, "unknown"),
    1: (ConnectionState.DISCONNECTED, "site does not exist"),
    2: (ConnectionState.CONNECTED, "in conference"),
    3: (ConnectionState.DISCONNECTED, "not in conference"),
    4: (ConnectionState.DIALLING, "calling"),
    5: (ConnectionState.ALERTING, "ringing"),
}
"""``SiteStatusEx.status`` (eSDK_tp_00010) → our state and the documented meaning.
A site "not in conference" with a ``callFailedReason`` is FAILED (the driver decides)."""

SITE_TYPES: Final[dict[int, SignalProtocol | None]] = {
    0: None, 1: None, 2: None, 3: None, 4: SignalProtocol.H323, 5: None, 6: None,
    7: SignalProtocol.SIP, 8: SignalProtocol.SIP, 9: SignalProtocol.H323,
}
"""``type`` (eSDK_tp_00006, 00010): 4 H.323, 7 SIP, 8 VoIP SIP, 9 VoIP H.323; the rest
(invalid, automatic, E1, ISDN, PSTN, 4E1) have no protocol of ours."""

SITE_TYPE_OF: Final = {SignalProtocol.H323: 4, SignalProtocol.SIP: 7}

# ---- continuous presence (eSDK_tp_00046 table 3) ----------------------------------------

PRESENCE_MODES: Final[tuple[str, ...]] = (
    "CP_None", "CP_1_1", "CP_2_1", "CP_2_2", "CP_2_3", "CP_3_1", "CP_3_2", "CP_3_3",
    "CP_3_4", "CP_3_5", "CP_3_6", "CP_4_1", "CP_4_2", "CP_4_3", "CP_4_4", "CP_4_5",
    "CP_4_6", "CP_5_1", "CP_5_2", "CP_5_3", "CP_5_4", "CP_6_1", "CP_6_2", "CP_6_3",
    "CP_6_4", "CP_6_5", "CP_7_1", "CP_7_2", "CP_7_3", "CP_7_4", "CP_7_5", "CP_8_1",
    "CP_8_2", "CP_8_3", "CP_8_4", "CP_9_1", "CP_10_1", "CP_10_2", "CP_10_3", "CP_10_4",
    "CP_10_5", "CP_10_6", "CP_13_1", "CP_13_2", "CP_13_3", "CP_13_4", "CP_13_5",
    "CP_16_1", "CP_20_1", "CP_24_1")
"""``presenceMode`` n is ``PRESENCE_MODES[n]`` (0–49)."""


def pane_count(mode: int) -> int:
    """Panes of ``presenceMode`` ``mode``: the first number of its name (inferred: the
    vendor draws the layouts, it does not say so); CP_None has none. ValueError if the
    mode is not 0–49."""
    if isinstance(mode, bool) or not isinstance(mode, int) or not 0 <= mode < len(PRESENCE_MODES):
        raise ValueError(f"presenceMode must be 0..{len(PRESENCE_MODES) - 1}, not {mode!r}")
    name = PRESENCE_MODES[mode]
    return 0 if mode == 0 else int(name.split("_")[1])


def mode_of(panes: int, vendor_name: str | None = None) -> int:
    """The ``presenceMode`` for a layout of ``panes`` panes: its vendor name if given,
    else the first (``CP_<panes>_1``), else the smallest mode with more panes.
    ValueError when no mode has enough panes (more than 24)."""
    if vendor_name is not None and vendor_name in PRESENCE_MODES:
        mode = PRESENCE_MODES.index(vendor_name)
        if pane_count(mode) >= panes:
            return mode
    best = [m for m in range(1, len(PRESENCE_MODES)) if pane_count(m) >= panes]
    if not best:
        raise ValueError(f"no presenceMode has {panes} panes (at most 24)")
    return min(best, key=lambda m: (pane_count(m), m))
