"""hnth-drivers: typed drivers for videoconference equipment, and their simulators.

Public names only; see the docs for the guide.
"""

from .errors import (
    AccessDenied,
    AuthError,
    ConfigError,
    ConnectError,
    DeviceError,
    DeviceTimeout,
    HnthError,
    NotSupported,
    PolicyViolation,
    ProtocolError,
)
from .model import (
    Call,
    CallStats,
    CameraPosition,
    Capability,
    Capacity,
    Conference,
    ConnectionState,
    DeviceHealth,
    Endpoint,
    Layout,
    Level,
    MoveDirection,
    Pane,
    PaneKind,
    Participant,
    ParticipantKind,
    Preset,
    SignalProtocol,
    Site,
    ZoomDirection,
)
from .security.policy import STRICT, SecurityPolicy, Waiver, WaiverKind
from .security.secrets import Secret

__version__ = "0.1.0"

__all__ = [
    "STRICT",
    "AccessDenied",
    "AuthError",
    "Call",
    "CallStats",
    "CameraPosition",
    "Capability",
    "Capacity",
    "Conference",
    "ConfigError",
    "ConnectError",
    "ConnectionState",
    "DeviceError",
    "DeviceHealth",
    "DeviceTimeout",
    "Endpoint",
    "HnthError",
    "Layout",
    "Level",
    "MoveDirection",
    "NotSupported",
    "Pane",
    "PaneKind",
    "Participant",
    "ParticipantKind",
    "PolicyViolation",
    "Preset",
    "ProtocolError",
    "Secret",
    "SecurityPolicy",
    "SignalProtocol",
    "Site",
    "Waiver",
    "WaiverKind",
    "ZoomDirection",
    "__version__",
]
