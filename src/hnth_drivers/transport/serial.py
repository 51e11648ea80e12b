"""Serial ports (RS-232 VISCA): local by nature, so allowed; always with timeouts.

pyserial is blocking: use the returned port from a worker thread.

While :data:`serial_hook` is set (record and replay, :mod:`hnth_drivers.testing`),
:func:`open_serial` hands it the port name and the opening it would do: a recorder opens
the port that way and wraps it; a replay returns a port answered from a recording.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar

import serial

from ..errors import ConfigError, ConnectError

__all__ = ["ALLOWED_BAUD", "SerialHook", "open_serial", "serial_hook"]

ALLOWED_BAUD = (9600, 19200, 38400, 115200)

#: ``hook(port, open)``: the port :func:`open_serial` returns; ``open()`` opens the real one.
SerialHook = Callable[[str, Callable[[], serial.Serial]], serial.Serial]
#: Set by the recorder and the replay of :mod:`hnth_drivers.testing` (None otherwise).
serial_hook: ContextVar[SerialHook | None] = ContextVar("hnth_serial_hook", default=None)


def open_serial(port: str, *, baudrate: int = 9600, timeout: float = 1.0,
                write_timeout: float = 1.0) -> serial.Serial:
    """Open ``port`` 8N1 without flow control; ConnectError if it cannot be opened."""
    if baudrate not in ALLOWED_BAUD:
        raise ConfigError("unsupported baud rate", device=port, operation="open serial",
                          expected=f"one of {ALLOWED_BAUD}", got=str(baudrate))
    if timeout <= 0 or write_timeout <= 0:
        raise ConfigError("serial timeouts must be positive", device=port,
                          operation="open serial")
    hook = serial_hook.get()
    if hook is not None:
        return hook(port, lambda: _open(port, baudrate, timeout, write_timeout))
    return _open(port, baudrate, timeout, write_timeout)


def _open(port: str, baudrate: int, timeout: float, write_timeout: float) -> serial.Serial:
    try:
        return serial.Serial(
            port=port, baudrate=baudrate, bytesize=serial.EIGHTBITS, parity=serial.PARITY_NONE,
            stopbits=serial.STOPBITS_ONE, timeout=timeout, write_timeout=write_timeout,
            xonxoff=False, rtscts=False, dsrdtr=False,
        )
    except (serial.SerialException, OSError) as exc:
        raise ConnectError("cannot open the serial port", device=port, operation="open serial",
                           got=str(exc)[:200]) from None
