"""hnth-drivers: typed drivers for videoconference equipment, and their simulators.

Public names only; see the docs for the guide.
"""

from .errors import (
    AccessDenied,
    AuthError,
    ConfigError,
    ConnectError,
    DeviceError,
    HnthError,
    NotSupported,
    PolicyViolation,
    ProtocolError,
    TimeoutError,
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
    "STRICT", "AccessDenied", "AuthError", "Call", "CallStats", "CameraPosition", "Capability",
    "Capacity", "Conference", "ConfigError", "ConnectError", "ConnectionState", "DeviceError",
    "DeviceHealth", "Endpoint", "HnthError", "Layout", "Level", "MoveDirection", "NotSupported",
    "Pane", "PaneKind", "Participant", "ParticipantKind", "PolicyViolation", "Preset",
    "ProtocolError", "Secret", "SecurityPolicy", "SignalProtocol", "Site", "TimeoutError",
    "Waiver", "WaiverKind", "ZoomDirection", "__version__",
]
