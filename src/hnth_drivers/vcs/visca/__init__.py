"""Sony VISCA PTZ cameras: the sans-I/O wire protocol, VISCA over IP framing, per-model profiles.

``wire`` (frames, commands, replies; both roles), ``commands`` and ``positions`` (the
messages, and pan/tilt layouts per model), ``overip`` (the 8-byte VISCA-over-IP header)
and ``profiles`` (model widths and limits as data) do no I/O, so the camera simulator uses
them too. The drivers live in ``serial`` (RS-232, pyserial in a worker thread) and ``ip``
(asyncio UDP, allowed only under a ``visca-ip`` waiver), on ``camera`` and ``exchange``
(what both share); import them explicitly. docs/visca.md lists the vendor documents
followed.
"""
