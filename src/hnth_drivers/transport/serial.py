"""Serial ports (RS-232 VISCA): local by nature, so allowed; always with timeouts.

pyserial is blocking: use the returned port from a worker thread.
"""

from __future__ import annotations

import serial

from ..errors import ConfigError, ConnectError

__all__ = ["ALLOWED_BAUD", "open_serial"]

ALLOWED_BAUD = (9600, 19200, 38400, 115200)


def open_serial(port: str, *, baudrate: int = 9600, timeout: float = 1.0,
                write_timeout: float = 1.0) -> serial.Serial:
    """Open ``port`` 8N1 without flow control; ConnectError if it cannot be opened."""
    if baudrate not in ALLOWED_BAUD:
        raise ConfigError("unsupported baud rate", device=port, operation="open serial",
                          expected=f"one of {ALLOWED_BAUD}", got=str(baudrate))
    if timeout <= 0 or write_timeout <= 0:
        raise ConfigError("serial timeouts must be positive", device=port,
                          operation="open serial")
    try:
        return serial.Serial(
            port=port, baudrate=baudrate, bytesize=serial.EIGHTBITS, parity=serial.PARITY_NONE,
            stopbits=serial.STOPBITS_ONE, timeout=timeout, write_timeout=write_timeout,
            xonxoff=False, rtscts=False, dsrdtr=False,
        )
    except (serial.SerialException, OSError) as exc:
        raise ConnectError("cannot open the serial port", device=port, operation="open serial",
                           got=str(exc)[:200]) from None
