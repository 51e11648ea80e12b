"""One VISCA command in flight, and the deadlines of a camera's commands on one timer.

The transports (serial, IP) deliver each reply to the :class:`Exchange` of the command it
answers; the driver waits on it. :class:`Alarm` keeps every deadline of one camera on a
single loop timer.
"""

from __future__ import annotations

import asyncio

from .commands import Command
from .wire import (
    Ack,
    AddressSetReply,
    Completion,
    ErrorKind,
    ErrorReply,
    IfClearEcho,
    InquiryReply,
    Reply,
)

__all__ = ["Alarm", "Exchange", "ViscaRefused"]


class ViscaRefused(Exception):
    """Internal: the camera answered with an error reply (turned into DeviceError)."""

    def __init__(self, kind: ErrorKind) -> None:
        super().__init__(kind.text)
        self.kind = kind


class Exchange:
    """One command in flight: acknowledged by its ACK, finished by its completion (or
    inquiry reply) or an error. The transport delivers replies; the driver waits."""

    __slots__ = ("_alarm", "_error", "_result", "_waiter", "_wake_on_ack", "acked", "command",
                 "deadline", "finished", "note", "retransmitted", "socket")

    def __init__(self, command: Command, alarm: Alarm | None = None) -> None:
        self.command = command
        self._alarm = alarm
        #: when the current wait ends (loop time)
        self.deadline = 0.0
        self.socket: int | None = None
        #: sent again after a lost reply (over IP: with the same sequence number)
        self.retransmitted = False
        self.acked = False
        self.finished = False
        self._result = b""
        self._error: BaseException | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._wake_on_ack = False
        #: why the completion is awaited without an ACK (for the timeout's message)
        self.note: str | None = None

    def deliver(self, reply: Reply) -> None:
        """Apply one reply addressed to this exchange."""
        kind = type(reply)  # a type dispatch: cheaper than ``match`` on every reply
        if kind is Ack:
            self.socket = reply.socket  # type: ignore[union-attr]
            self._ack()
        elif kind is Completion or kind is IfClearEcho:
            self.finish()
        elif isinstance(reply, InquiryReply):
            self.finish(reply.payload)
        elif isinstance(reply, AddressSetReply):
            self.finish(bytes((0x30, reply.next_address)))  # the reply's message bytes
        elif isinstance(reply, ErrorReply):
            self.fail(ViscaRefused(reply.kind))

    def finish(self, result: bytes = b"") -> None:
        """Done: completion came (an ACK lost on the way is implied)."""
        if not self.finished:
            self.acked = self.finished = True
            self._result = result
            self._wake()

    def fail(self, exc: BaseException) -> None:
        """End the exchange with an error."""
        if not self.finished:
            self.acked = self.finished = True
            self._error = exc
            self._wake()

    def outcome(self) -> bytes:
        """The result of a finished exchange, or its error raised."""
        if self._error is not None:
            raise self._error
        return self._result

    def _ack(self) -> None:
        if not self.acked:
            self.acked = True
            if self._wake_on_ack:
                self._wake()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def wait(self, timeout: float, *, ack_only: bool = False) -> bool:
        """Whether the exchange finishes (``ack_only``: is acknowledged) within
        ``timeout`` seconds. The task is woken once, by the reply that settles it or by
        the deadline (a plain loop timer: cheaper than ``asyncio.timeout`` on the path
        every command takes)."""
        if self.finished or (ack_only and self.acked):
            return True
        loop = asyncio.get_running_loop()
        waiter = self._waiter = loop.create_future()
        self._wake_on_ack = ack_only
        alarm = self._alarm
        timer = None
        if alarm is None:
            timer = loop.call_later(timeout, _expire, waiter)
        else:
            self.deadline = loop.time() + timeout
            alarm.add(self, loop)
        try:
            await waiter
        finally:
            if timer is not None:
                timer.cancel()
            else:
                assert alarm is not None
                alarm.discard(self)
            self._waiter = None
        return self.finished or (ack_only and self.acked)

    def _expire(self) -> None:
        if self._waiter is not None:
            _expire(self._waiter)

    def executed_unacknowledged(self, note: str) -> None:
        """The camera says it executed the message though no ACK came: wait for the
        completion only (``note`` says why, for the timeout's message)."""
        self.note = note
        self._ack()


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


class Alarm:
    """The deadlines of one camera's exchanges on a single loop timer.

    Commands follow each other far faster than their deadlines pass, so instead of a timer
    per wait (created and cancelled on every command) one timer is kept for the earliest
    deadline; when it rings, the exchanges whose deadline has passed are woken and the
    timer is set again for the next one.
    """

    _SLACK = 1e-3  # a loop timer may ring a hair early

    def __init__(self) -> None:
        self._waiting: set[Exchange] = set()
        self._handle: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._when = float("inf")

    def add(self, exchange: Exchange, loop: asyncio.AbstractEventLoop) -> None:
        """Wake ``exchange`` at its ``deadline`` unless it is discarded first."""
        self._waiting.add(exchange)
        if loop is not self._loop:  # the camera is used from a new event loop
            self._loop, self._handle, self._when = loop, None, float("inf")
        if exchange.deadline < self._when:
            if self._handle is not None:
                self._handle.cancel()
            self._when = exchange.deadline
            self._handle = loop.call_at(exchange.deadline, self._ring)

    def discard(self, exchange: Exchange) -> None:
        """The exchange no longer waits."""
        self._waiting.discard(exchange)

    def _ring(self) -> None:
        loop = self._loop
        assert loop is not None
        self._handle, self._when = None, float("inf")
        now = loop.time() + self._SLACK
        following = float("inf")
        for exchange in list(self._waiting):
            if exchange.deadline <= now:
                self._waiting.discard(exchange)
                exchange._expire()
            elif exchange.deadline < following:
                following = exchange.deadline
        if following < float("inf"):
            self._when = following
            self._handle = loop.call_at(following, self._ring)
