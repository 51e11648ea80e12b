"""Vector entries of ``visca.json`` as the library's values (commands and replies)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from hnth_drivers.model import MoveDirection, ZoomDirection
from hnth_drivers.vcs.visca.commands import (
    AddressSet,
    Cancel,
    Command,
    IfClear,
    Memory,
    MemoryOp,
    PanTiltAbsolute,
    PanTiltDrive,
    PanTiltHome,
    PanTiltPositionInquiry,
    PanTiltRelative,
    PanTiltReset,
    Power,
    PowerInquiry,
    Zoom,
    ZoomDirect,
    ZoomPositionInquiry,
)
from hnth_drivers.vcs.visca.wire import (
    Ack,
    AddressSetReply,
    Completion,
    ErrorKind,
    ErrorReply,
    InquiryReply,
    Reply,
)

Args = Mapping[str, Any]

COMMANDS: dict[str, Callable[[Args], Command]] = {
    "power_on": lambda a: Power(True),
    "power_off": lambda a: Power(False),
    "zoom_stop": lambda a: Zoom(ZoomDirection.STOP),
    "zoom_tele": lambda a: Zoom(ZoomDirection.TELE),
    "zoom_wide": lambda a: Zoom(ZoomDirection.WIDE),
    "zoom_tele_variable": lambda a: Zoom(ZoomDirection.TELE, a["speed"]),
    "zoom_wide_variable": lambda a: Zoom(ZoomDirection.WIDE, a["speed"]),
    "zoom_direct": lambda a: ZoomDirect(a["position"]),
    "pantilt_drive": lambda a: PanTiltDrive(MoveDirection(a["direction"]), a["pan_speed"],
                                            a["tilt_speed"]),
    "pantilt_absolute": lambda a: PanTiltAbsolute(**a),
    "pantilt_relative": lambda a: PanTiltRelative(**a),
    "pantilt_home": lambda a: PanTiltHome(),
    "pantilt_reset": lambda a: PanTiltReset(),
    "memory_reset": lambda a: Memory(MemoryOp.RESET, a["preset"]),
    "memory_set": lambda a: Memory(MemoryOp.SET, a["preset"]),
    "memory_recall": lambda a: Memory(MemoryOp.RECALL, a["preset"]),
    "if_clear_broadcast": lambda a: IfClear(all_cameras=True),
    "if_clear": lambda a: IfClear(),
    "address_set": lambda a: AddressSet(1),
    "cancel": lambda a: Cancel(a["socket"]),
    "inquiry_power": lambda a: PowerInquiry(),
    "inquiry_zoom_position": lambda a: ZoomPositionInquiry(),
    "inquiry_pantilt_position": lambda a: PanTiltPositionInquiry(),
}


def command_of(vector: Mapping[str, Any]) -> Command:
    """The command a ``commands`` entry describes."""
    return COMMANDS[vector["name"]](vector.get("args", {}))


def reply_of(vector: Mapping[str, Any]) -> Reply:
    """The reply a ``replies`` entry describes."""
    means = vector["means"]
    source = means.get("from_address", 1)
    kind = means["kind"]
    if kind == "ack":
        return Ack(means["socket"], source)
    if kind == "completion":
        return Completion(means["socket"], source)
    if kind == "error":
        return ErrorReply(ErrorKind[means["error"].upper()], means.get("socket", 0), source)
    if kind == "address_set":
        return AddressSetReply(means["next_address"])
    if kind == "inquiry_reply":
        return InquiryReply(bytes.fromhex(vector["bytes"])[2:-1], source)
    raise AssertionError(f"vector kind {kind!r} is not mapped: extend visca_values.py")
