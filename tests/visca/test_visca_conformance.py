"""Both VISCA drivers pass the conformance kit against the simulator over real sockets."""

from __future__ import annotations

import pytest

from hnth_drivers.testing import CameraConformance
from hnth_drivers.vcs.visca.ip import ViscaIpCamera
from hnth_drivers.vcs.visca.serial import ViscaSerialCamera


class TestViscaSerialConformance(CameraConformance):
    @pytest.fixture
    def driver(self, serial_camera: ViscaSerialCamera) -> ViscaSerialCamera:
        return serial_camera


class TestViscaIpConformance(CameraConformance):
    @pytest.fixture
    def driver(self, ip_camera: ViscaIpCamera) -> ViscaIpCamera:
        return ip_camera
