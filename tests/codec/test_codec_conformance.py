"""Both dialects pass the conformance kit against the simulator over real SSH."""

from __future__ import annotations

import pytest

from hnth_drivers.testing.conformance import CameraConformance, CodecConformance
from hnth_drivers.vcs.base import Camera
from hnth_drivers.vcs.ssh_codec import SshCodec


class TestCodecKit(CodecConformance):
    """Codec contract: ``driver`` is an open XapiCodec or PolycomCodec (see conftest)."""

    @pytest.fixture
    def driver(self, codec: SshCodec) -> SshCodec:
        return codec


class TestCodecCameraKit(CameraConformance):
    """Camera contract, for camera 1 of each dialect's codec."""

    @pytest.fixture
    def driver(self, codec: SshCodec) -> Camera:
        return codec.camera(1)
