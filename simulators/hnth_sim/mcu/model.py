"""The simulated MCU, independent of any wire API, and the network of MCUs it lives in.

Front ends (``codian_server`` for XML-RPC, an SMC SOAP server, the national simulation)
all drive these objects; nothing here knows about a wire format.

Public API
----------
:class:`Network` — a registry of many MCUs sharing one clock and one seed::

    net = Network(clock=ManualClock(), seed=7)
    master = net.add_mcu("mcu-hn", ports=120)
    slave = net.add_mcu("mcu-hp", ports=40)
    master.create_conference("national")
    master.add_participant("national", Endpoint("chair", "10.0.0.1"))
    slave.create_conference("hp")
    slave.add_participant("hp", Endpoint("hp-tp", "10.1.0.1"))
    # the slave dials the master's conference: one CASCADE participant on each side
    slave.add_participant("hp", cascade_address("mcu-hn", "national"),
                          name="up", kind=ParticipantKind.CASCADE)
    net.clock.advance(1)                         # dial-outs connect after their delay
    slave.show_full_screen("hp", "hp-tp", target="up")   # what the slave sends up
    master.show_full_screen("national", "mcu-hp", target="chair")  # far leg is named
    net.view_of("mcu-hn", "national", "chair")   # -> ("hp-tp",)     # after the slave's id

:class:`McuModel` — one MCU: ``create_conference``, ``destroy_conference``,
``conferences``, ``conference``, ``participants``, ``participant``, ``add_participant``,
``remove_participant``, ``connect_participant``, ``disconnect_participant``, ``drop``,
``drop_random``, ``set_layout``, ``layout``, ``show_full_screen``, ``mute``,
``clear_layout``, ``shown_to``, ``set_speaker``, ``impair``, ``stats``, ``capacity``,
``health``, ``admit`` (API faults and
latency for front ends), ``view_of`` / ``audio_of``. An ``McuModel`` made without a network
gets a private one. Refusals raise :class:`SimError` with a wire-neutral :class:`Refusal`.

Semantics
---------
- **Ports.** Every participant whose call is dialling, connecting or connected holds one
  port; a cascade call holds one port on each MCU. Adding or reconnecting beyond
  ``ports`` is refused with ``TOO_MANY_PARTICIPANTS``; an incoming cascade call to a full
  MCU fails (the dialling side sees FAILED).
- **Time.** A dial-out is DIALLING (the called side of a cascade: CONNECTING) until
  ``dial_delay_s`` (± ``dial_jitter_s``) has passed, then CONNECTED, or FAILED when the
  dial was doomed (``Faults.dial_failure_rate``, an unreachable address, a full or
  unknown far end). States are computed from the clock, so nothing needs ticking.
- **Cascade.** A CASCADE participant's address is ``"<conference>@<mcu id>"`` (see
  :func:`cascade_address`). Dialling it creates the far leg (kind CASCADE, ``incoming``)
  in that conference of that MCU. Ending the call from either side (disconnect, remove,
  drop, destroy) removes the far leg and leaves the dialling leg DISCONNECTED.
- **Layouts.** Each conference has a default layout (initially :data:`AUTO_LAYOUT`, a
  4×4 grid of DEFAULT panes) and optional per-target layouts. Panes: PARTICIPANT shows
  that participant; LOUDEST the current speaker (see ``set_speaker``; else the first
  connected, unmuted participant); DEFAULT/ROLLING fill with connected participants in
  join order not placed elsewhere; BLANK nothing. Indexes of an N×N grid that the layout
  leaves out are DEFAULT panes. Nobody is shown their own picture.
- **Views.** ``view_of(mcu, conference, participant)`` is the tuple of site ids on that
  participant's screen, in pane order, without repeats. What a conference *receives* from
  a connected SITE participant is its site; from a connected CASCADE participant it is
  what the far conference sends to the far leg — recursively, through any number of
  hops (a loop contributes nothing the second time). Disconnected participants show
  nothing. ``audio_of`` is the same for sound: every connected, unmuted participant
  except the listener, through cascades.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from hnth_drivers.errors import ConfigError
from hnth_drivers.model import (
    CallStats,
    Capacity,
    ConnectionState,
    DeviceHealth,
    Endpoint,
    Layout,
    ParticipantKind,
    SignalProtocol,
)

from .conditions import (
    Clock,
    Faults,
    Impairment,
    ManualClock,
    MonotonicClock,
    Refusal,
    SimError,
)
from .conference import (
    AUTO_LAYOUT,
    SimCall,
    SimConference,
    SimParticipant,
    cascade_address,
    parse_cascade_address,
)
from .views import collect_audio, collect_screen, shown

__all__ = [
    "AUTO_LAYOUT",
    "Clock",
    "Faults",
    "Impairment",
    "ManualClock",
    "McuModel",
    "MonotonicClock",
    "Network",
    "Refusal",
    "SimCall",
    "SimConference",
    "SimError",
    "SimParticipant",
    "cascade_address",
    "parse_cascade_address",
    "view_of",
]

_ACTIVE = (ConnectionState.DIALLING, ConnectionState.CONNECTING, ConnectionState.CONNECTED)


class Network:
    """Many simulated MCUs in one process: one clock, one seed, cascade addresses resolved.

    Cheap by design (slotted objects, states computed from the clock, no timers or tasks),
    so a national topology of ~800 MCUs and ~11,000 sites fits in one test process.
    """

    def __init__(self, *, clock: Clock | None = None, seed: int = 0) -> None:
        self.clock: Clock = clock if clock is not None else MonotonicClock()
        self.seed = seed
        self._mcus: dict[str, McuModel] = {}
        #: endpoint addresses whose dial-outs fail (a site's codec is off or unreachable)
        self.unreachable: set[str] = set()
        # what participants hear, remembered until a change of participants, calls or
        # mutes (epoch) while no call is still connecting (settles_at: its last connect_at)
        self.epoch = 0
        self.settles_at = 0.0
        self._heard: dict[tuple[str, str, str], tuple[int, frozenset[str]]] = {}

    def add_mcu(self, mcu_id: str, *, ports: int = 40, max_conferences: int = 100,
                dial_delay_s: float = 0.0, dial_jitter_s: float = 0.0,
                impairment: Impairment | None = None,
                faults: Faults | None = None) -> McuModel:
        """Create an MCU in this network (see :class:`McuModel` for the options)."""
        return McuModel(mcu_id, network=self, ports=ports, max_conferences=max_conferences,
                        dial_delay_s=dial_delay_s, dial_jitter_s=dial_jitter_s,
                        impairment=impairment, faults=faults)

    def _register(self, mcu: McuModel) -> None:
        if mcu.id in self._mcus:
            raise ConfigError("duplicate MCU id", operation="Network.add_mcu",
                              expected="a new id", got=repr(mcu.id))
        self._mcus[mcu.id] = mcu

    def mcu(self, mcu_id: str) -> McuModel:
        """The MCU registered as ``mcu_id`` (ConfigError if none)."""
        found = self._mcus.get(mcu_id)
        if found is None:
            raise ConfigError("no such MCU", operation="Network.mcu",
                              expected=f"one of {len(self._mcus)} registered ids",
                              got=repr(mcu_id))
        return found

    def find(self, mcu_id: str) -> McuModel | None:
        """The MCU registered as ``mcu_id``, or None."""
        return self._mcus.get(mcu_id)

    def __iter__(self) -> Iterator[McuModel]:
        return iter(list(self._mcus.values()))

    def __len__(self) -> int:
        return len(self._mcus)

    def view_of(self, mcu: str | McuModel, conference: str, participant: str) -> tuple[str, ...]:
        """Site ids on ``participant``'s screen (see the module docstring)."""
        return (self.mcu(mcu) if isinstance(mcu, str) else mcu).view_of(conference, participant)

    def audio_of(self, mcu: str | McuModel, conference: str, participant: str) -> frozenset[str]:
        """Site ids whose sound ``participant`` hears."""
        return (self.mcu(mcu) if isinstance(mcu, str) else mcu).audio_of(conference, participant)


def view_of(mcu: McuModel, conference: str, participant: str) -> tuple[str, ...]:
    """Site ids on ``participant``'s screen in ``conference`` of ``mcu``, through cascades."""
    return mcu.view_of(conference, participant)


def _check_name(what: str, value: object, max_len: int, operation: str) -> str:
    if not isinstance(value, str) or not value:
        raise SimError(Refusal.MISSING_PARAMETER, f"no {what}", operation=operation)
    if len(value) > max_len or not value.strip() or any(ord(c) < 32 for c in value):
        raise SimError(Refusal.INVALID_PARAMETER, f"invalid {what}", operation=operation,
                       got=repr(value[:40]))
    return value


class McuModel:
    """One simulated MCU (see the module docstring for the semantics).

    ``ports``: participants and cascade legs it can hold; ``max_conferences``;
    ``dial_delay_s`` ± ``dial_jitter_s``: how long a dial-out takes to connect;
    ``impairment``: default call-quality model of its participants; ``faults``: injected
    faults (mutable: tests change ``mcu.faults`` at any time).
    """

    def __init__(self, mcu_id: str, *, network: Network | None = None, ports: int = 40,
                 max_conferences: int = 100, dial_delay_s: float = 0.0,
                 dial_jitter_s: float = 0.0, impairment: Impairment | None = None,
                 faults: Faults | None = None) -> None:
        if not isinstance(mcu_id, str) or not mcu_id or "@" in mcu_id or "/" in mcu_id:
            raise ConfigError("invalid MCU id", operation="McuModel",
                              expected="non-empty text without '@' or '/'", got=repr(mcu_id))
        for label, value in (("ports", ports), ("max_conferences", max_conferences)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ConfigError(f"invalid {label}", operation="McuModel",
                                  expected="an integer >= 0", got=repr(value))
        if dial_delay_s < 0 or dial_jitter_s < 0:
            raise ConfigError("invalid dial delay", operation="McuModel",
                              expected="seconds >= 0", got=f"{dial_delay_s}±{dial_jitter_s}")
        self.id = mcu_id
        self.network = network if network is not None else Network()
        self.ports = ports
        self.max_conferences = max_conferences
        self.dial_delay_s = dial_delay_s
        self.dial_jitter_s = dial_jitter_s
        self.impairment = impairment if impairment is not None else Impairment()
        self.faults = faults if faults is not None else Faults()
        #: seconds between changes of the sampled call statistics
        self.stats_interval_s = 1.0
        self.rng = random.Random(f"{self.network.seed}/{mcu_id}")
        self._conferences: dict[str, SimConference] = {}
        self._ports_used = 0
        self._doomed: list[SimParticipant] = []
        self._seq = 0
        self._next_conf_id = 1
        self.network._register(self)
        self.started_at = self.clock.now()

    def __repr__(self) -> str:
        return f"McuModel({self.id!r}, ports={self.ports})"

    @property
    def clock(self) -> Clock:
        """The network's clock."""
        return self.network.clock

    # ---- API front ends -------------------------------------------------------------

    def admit(self, operation: str) -> float:
        """Apply injected API faults to one request named ``operation``: raise SimError, or
        return how long (seconds) the front end waits before answering."""
        return self.faults.admit(operation, self.rng, self.id)

    # ---- ports ----------------------------------------------------------------------

    def _settle(self) -> None:
        if not self._doomed:
            return
        now = self.clock.now()
        keep = []
        for leg in self._doomed:
            call = leg.call
            if not leg.holds_port:
                continue
            if call is not None and now >= call.connect_at:
                self._release(leg)
            else:
                keep.append(leg)
        self._doomed = keep

    def _release(self, leg: SimParticipant) -> None:
        if leg.holds_port:
            leg.holds_port = False
            self._ports_used -= 1

    @property
    def ports_used(self) -> int:
        """Ports held now by dialling, connecting and connected participants."""
        self._settle()
        return self._ports_used

    def capacity(self) -> Capacity:
        """Ports in total and in use."""
        return Capacity(ports_total=self.ports, ports_used=self.ports_used)

    def _need_port(self, operation: str) -> None:
        if self.ports_used >= self.ports:
            raise SimError(Refusal.TOO_MANY_PARTICIPANTS, "no free port", device=self.id,
                           operation=operation, got=f"{self._ports_used}/{self.ports} in use")

    # ---- conferences ----------------------------------------------------------------

    def create_conference(self, name: str, *, pin: str | None = None) -> SimConference:
        """Create a conference (DUPLICATE_CONFERENCE, TOO_MANY_CONFERENCES)."""
        _check_name("conference name", name, 80, "create_conference")
        if name in self._conferences:
            raise SimError(Refusal.DUPLICATE_CONFERENCE, "conference exists", device=self.id,
                           operation="create_conference", got=repr(name))
        if len(self._conferences) >= self.max_conferences:
            raise SimError(Refusal.TOO_MANY_CONFERENCES, "no room for another conference",
                           device=self.id, operation="create_conference")
        conf = SimConference(self, name, str(self._next_conf_id), pin)
        self._next_conf_id += 1
        self._conferences[name] = conf
        return conf

    def destroy_conference(self, name: str) -> None:
        """End every call of the conference and delete it."""
        conf = self.conference(name)
        for leg in list(conf.participants.values()):
            self._end_call(leg)
        del self._conferences[name]
        self.network.epoch += 1

    def conferences(self) -> list[SimConference]:
        """Every conference, in creation order."""
        return list(self._conferences.values())

    def conference(self, name: str) -> SimConference:
        """One conference (NO_SUCH_CONFERENCE)."""
        conf = self._conferences.get(name)
        if conf is None:
            raise SimError(Refusal.NO_SUCH_CONFERENCE, "no such conference", device=self.id,
                           operation="conference", got=repr(name))
        return conf

    # ---- participants ---------------------------------------------------------------

    def participants(self, conference: str) -> list[SimParticipant]:
        """The conference's participants in join order."""
        return list(self.conference(conference).participants.values())

    def participant(self, conference: str, name: str) -> SimParticipant:
        """One participant (NO_SUCH_CONFERENCE, NO_SUCH_PARTICIPANT)."""
        leg = self.conference(conference).participants.get(name)
        if leg is None:
            raise SimError(Refusal.NO_SUCH_PARTICIPANT, "no such participant", device=self.id,
                           operation="participant", got=f"{name!r} in {conference!r}")
        return leg

    def add_participant(self, conference: str, endpoint: Endpoint | str, *,
                        name: str | None = None, kind: ParticipantKind = ParticipantKind.SITE,
                        protocol: SignalProtocol | None = None,
                        dial: bool = True) -> SimParticipant:
        """Add a participant and (unless ``dial=False``) dial it out.

        ``endpoint`` is an :class:`Endpoint` or a bare address; ``name`` defaults to the
        endpoint's site (or the address). A SITE participant's site is the endpoint's site,
        else its name. A CASCADE participant's address is ``"<conference>@<mcu id>"``.
        """
        conf = self.conference(conference)
        if isinstance(endpoint, Endpoint):
            address, site = endpoint.address, endpoint.site
            proto = protocol or endpoint.protocol
        else:
            address, site, proto = endpoint, None, protocol or SignalProtocol.H323
        _check_name("participant address", address, 255, "add_participant")
        pname = _check_name("participant name", name or site or address, 80, "add_participant")
        if kind is ParticipantKind.CASCADE:
            try:
                parse_cascade_address(address)
            except ConfigError as exc:
                raise SimError(Refusal.INVALID_PARAMETER, "invalid cascade address",
                               device=self.id, operation="add_participant",
                               got=repr(address)) from exc
            site = None
        else:
            site = site or pname
        if pname in conf.participants:
            raise SimError(Refusal.DUPLICATE_PARTICIPANT, "participant exists", device=self.id,
                           operation="add_participant", got=f"{pname!r} in {conference!r}")
        if dial:
            self._need_port("add_participant")
        leg = self._new_leg(conf, pname, address, proto, kind, site, incoming=False)
        if dial:
            self._dial(leg)
        return leg

    def _new_leg(self, conf: SimConference, name: str, address: str, protocol: SignalProtocol,
                 kind: ParticipantKind, site: str | None, *, incoming: bool) -> SimParticipant:
        self._seq += 1
        leg = SimParticipant(conf, name, address, protocol, kind, site, incoming, self._seq)
        conf.participants[name] = leg
        self.network.epoch += 1
        return leg

    def _take_port(self, leg: SimParticipant) -> None:
        leg.holds_port = True
        self._ports_used += 1

    def _dial(self, leg: SimParticipant) -> None:
        delay = self.dial_delay_s
        if self.dial_jitter_s:
            delay = max(0.0, delay + self.rng.uniform(-self.dial_jitter_s, self.dial_jitter_s))
        fails = bool(self.faults.dial_failure_rate) and \
            self.rng.random() < self.faults.dial_failure_rate
        fails = fails or leg.address in self.network.unreachable
        far_conf: SimConference | None = None
        if leg.kind is ParticipantKind.CASCADE and not fails:
            mcu_id, conf_name = parse_cascade_address(leg.address)
            far = self.network.find(mcu_id)
            far_conf = far._conferences.get(conf_name) if far is not None else None
            if far is None or far_conf is None or far.faults.down or far is self \
                    or far.ports_used >= far.ports:
                fails, far_conf = True, None
        call = SimCall(self.clock.now() + delay, fails)
        self.network.epoch += 1
        self.network.settles_at = max(self.network.settles_at, call.connect_at)
        leg.call = call
        leg.end_reason = None
        call.legs.append(leg)
        self._take_port(leg)
        if fails:
            self._doomed.append(leg)
        if far_conf is not None:
            far = far_conf.mcu
            base = self.id
            far_name, n = base, 1
            while far_name in far_conf.participants:
                n += 1
                far_name = f"{base}-{n}"
            far_leg = far._new_leg(far_conf, far_name, cascade_address(self.id,
                                   leg.conference.name), leg.protocol, ParticipantKind.CASCADE,
                                   None, incoming=True)
            far_leg.call = call
            call.legs.append(far_leg)
            far._take_port(far_leg)

    def _end_call(self, leg: SimParticipant, reason: str = "local") -> None:
        call = leg.call
        if call is None or call.ended:
            return
        call.ended = True
        self.network.epoch += 1
        for each in call.legs:
            each.end_reason = reason if each is leg or reason == "network" else "remote"
            mcu = each.conference.mcu
            mcu._release(each)
            if each.incoming:
                mcu._forget(each)

    def _forget(self, leg: SimParticipant) -> None:
        conf = leg.conference
        if conf.participants.get(leg.name) is leg:
            del conf.participants[leg.name]
            self.network.epoch += 1
        conf.layouts.pop(leg.name, None)
        if conf.speaker == leg.name:
            conf.speaker = None

    def remove_participant(self, conference: str, name: str) -> None:
        """Hang up and remove a participant, freeing its port."""
        leg = self.participant(conference, name)
        self._end_call(leg)
        self._forget(leg)

    def connect_participant(self, conference: str, name: str) -> None:
        """Dial a participant again; nothing if its call is already up or in progress."""
        leg = self.participant(conference, name)
        if leg.state in _ACTIVE:
            return
        self._settle()
        self._need_port("connect_participant")
        self._dial(leg)

    def disconnect_participant(self, conference: str, name: str) -> None:
        """Hang up but keep the participant (an incoming cascade leg disappears)."""
        self._end_call(self.participant(conference, name))

    def drop(self, conference: str, name: str) -> None:
        """Fault injection: the network drops this participant's (or link's) call."""
        self._end_call(self.participant(conference, name), "network")

    def drop_random(self, count: int = 1) -> list[tuple[str, str]]:
        """Fault injection: drop ``count`` connected calls chosen by the seeded generator;
        returns ``(conference, participant)`` pairs."""
        legs = [leg for conf in self._conferences.values()
                for leg in conf.participants.values() if leg.connected]
        chosen = self.rng.sample(legs, min(count, len(legs)))
        dropped = [(leg.conference.name, leg.name) for leg in chosen]
        for leg in chosen:
            self._end_call(leg, "network")
        return dropped

    # ---- layouts, audio -------------------------------------------------------------

    def set_layout(self, conference: str, layout: Layout, *, target: str | None = None) -> None:
        """Set the layout ``target`` sees (or the conference default)."""
        conf = self.conference(conference)
        for name in layout.participants():
            self.participant(conference, name)
        if target is None:
            conf.default_layout = layout
        else:
            self.participant(conference, target)
            conf.layouts[target] = layout

    def clear_layout(self, conference: str, target: str) -> None:
        """``target`` goes back to the conference's default layout."""
        self.participant(conference, target)
        self.conference(conference).layouts.pop(target, None)

    def layout(self, conference: str, *, target: str | None = None) -> Layout:
        """The layout ``target`` sees (its own, else the default)."""
        conf = self.conference(conference)
        if target is None:
            return conf.default_layout
        self.participant(conference, target)
        return conf.layouts.get(target, conf.default_layout)

    def show_full_screen(self, conference: str, participant: str, *,
                         target: str | None = None) -> None:
        """Show ``participant`` full-screen to ``target`` (or as the conference default,
        which every participant without a layout of its own sees)."""
        self.set_layout(conference, Layout.full_screen(participant), target=target)

    def mute(self, conference: str, name: str, on: bool) -> None:
        """Mute or unmute the audio a participant sends into the conference."""
        leg = self.participant(conference, name)
        if leg.muted != bool(on):
            leg.muted = bool(on)
            self.network.epoch += 1

    def set_speaker(self, conference: str, name: str | None) -> None:
        """Who talks loudest now (LOUDEST panes show them); None: nobody in particular."""
        if name is not None:
            self.participant(conference, name)
        self.conference(conference).speaker = name

    # ---- quality, health ------------------------------------------------------------

    def impair(self, conference: str, name: str, impairment: Impairment | None) -> None:
        """Give one participant its own impairment model (None: the MCU's default)."""
        self.participant(conference, name).impairment = impairment

    def stats(self, conference: str) -> list[CallStats]:
        """Sampled call statistics of every connected participant (seeded, per interval)."""
        tick = int(self.clock.now() // self.stats_interval_s)
        out = []
        for leg in self.conference(conference).participants.values():
            if not leg.connected:
                continue
            rng = random.Random(f"{self.network.seed}/{self.id}/{conference}/{leg.name}/{tick}")
            loss, jitter, delay = (leg.impairment or self.impairment).sample(rng)
            out.append(CallStats(leg.name, loss, jitter, delay))
        return out

    def health(self) -> DeviceHealth:
        """Uptime, load (grows with ports in use), active calls."""
        used = self.ports_used
        calls = sum(1 for conf in self._conferences.values()
                    for leg in conf.participants.values() if leg.connected)
        load = 3.0 + 90.0 * used / self.ports if self.ports else 3.0
        return DeviceHealth(device=self.id, reachable=not self.faults.down,
                            uptime_s=max(0.0, self.clock.now() - self.started_at),
                            cpu_load_percent=round(min(100.0, load), 1), active_calls=calls,
                            detail={"ports_total": str(self.ports), "ports_used": str(used),
                                    "conferences": str(len(self._conferences))})

    # ---- what participants see and hear -----------------------------------------------

    def shown_to(self, conference: str, target: str | None = None) -> list[SimParticipant]:
        """The participants in the panes of ``target``'s layout (one MCU, no cascade)."""
        conf = self.conference(conference)
        leg = None if target is None else self.participant(conference, target)
        return shown(conf, leg)

    def view_of(self, conference: str, participant: str) -> tuple[str, ...]:
        """Site ids on ``participant``'s screen, in pane order, through cascade hops."""
        leg = self.participant(conference, participant)
        out: dict[str, None] = {}
        if leg.connected:
            collect_screen(leg.conference, leg, {id(leg)}, out)
        return tuple(out)

    def audio_of(self, conference: str, participant: str) -> frozenset[str]:
        """Site ids whose sound reaches ``participant``, through cascade hops."""
        leg = self.participant(conference, participant)
        net, key, now = self.network, (self.id, conference, participant), self.clock.now()
        known = net._heard.get(key)
        if known is not None and known[0] == net.epoch:
            return known[1]
        out: set[str] = set()
        if leg.connected:
            collect_audio(leg.conference, leg, {id(leg)}, out)
        heard = frozenset(out)
        if now >= net.settles_at:   # no call changes state by time alone until a change
            net._heard[key] = (net.epoch, heard)
        return heard
