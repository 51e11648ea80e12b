"""A simulated VISCA PTZ camera, served over a pseudo-terminal (RS-232) and over UDP.

``CameraModel`` is the mechanics (power, pan/tilt/zoom that move over time, presets),
``CameraDevice`` the protocol behaviour with fault injection, ``PtyCamera`` and
``UdpCamera`` the front ends, ``CameraSimulator`` both at once (what ``hnth sim camera``
runs).
"""

from .device import CameraDevice, Faults
from .model import CameraModel, Rates
from .pty import PtyCamera
from .server import CameraSimulator
from .udp import UdpCamera

__all__ = ["CameraDevice", "CameraModel", "CameraSimulator", "Faults", "PtyCamera", "Rates",
           "UdpCamera"]
