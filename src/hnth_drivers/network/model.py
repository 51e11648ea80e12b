"""What a network file describes, as frozen values (see :mod:`hnth_drivers.network.load`).

Every entry keeps where it was written (:class:`Where`: file, line, key path), so that a
problem found later (a credential reference that resolves to nothing, a driver that
refuses the entry) is still reported against the file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..cascade.topology import McuRole, McuSpec, Topology
from ..driver import DeviceTarget
from ..errors import ConfigError
from ..model import Site

__all__ = ["CameraEntry", "CodecEntry", "CredentialRef", "LinkEntry", "McuEntry", "Network",
           "NetworkFileError", "Room", "SiteEntry", "SnmpEntry", "Where"]


class Where:
    """Where a value was written: the file, its line (``None`` if unknown), the key path.

    ``line`` may be given as a callable, and ``key`` as a key path (``("sites", 3,
    "room")``): each is then worked out only when asked for (a large file has thousands
    of entries, and their places are needed only to report a problem).
    """

    __slots__ = ("_key", "_line", "source")

    def __init__(self, source: str, line: int | Callable[[], int | None] | None,
                 key: str | tuple[str | int, ...]) -> None:
        self.source, self._key, self._line = source, key, line

    @property
    def line(self) -> int | None:
        """The 1-based line, or ``None`` when it cannot be located."""
        if callable(self._line):
            self._line = self._line()
        return self._line

    @property
    def key(self) -> str:
        """The key path as written in messages: ``sites[3].room`` (``(top)`` for none)."""
        if isinstance(self._key, tuple):
            text = ""
            for part in self._key:
                text += f"[{part}]" if isinstance(part, int) else (
                    f".{part}" if text else part)
            self._key = text or "(top)"
        return self._key

    def __repr__(self) -> str:
        return f"Where({self.source!r}, {self.line!r}, {self.key!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Where) and (self.source, self.line, self.key) == (
            other.source, other.line, other.key)

    def __hash__(self) -> int:
        return hash((self.source, self.key))

    def __str__(self) -> str:
        return f"{self.source}:{self.line if self.line is not None else '?'}: {self.key}"


class NetworkFileError(ConfigError):
    """Problems in a network file, one line each: ``FILE:LINE: KEY: what is wrong``.

    ``problems`` holds every problem found (the message shows them all, one per line).
    """

    def __init__(self, problems: list[tuple[Where, str]]) -> None:
        self.problems = list(problems)
        first = self.problems[0][0] if self.problems else None
        self.source = first.source if first else None
        self.line = first.line if first else None
        self.key = first.key if first else None
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        """One line per problem."""
        return [f"{where}: {message}" for where, message in self.problems]

    def _render(self) -> str:
        return self.message


@dataclass(frozen=True, slots=True)
class CredentialRef:
    """A credential by reference: ``secret:NAME`` (the secret store) or ``env:VARIABLE``."""

    ref: str
    where: Where

    @property
    def scheme(self) -> str:
        """``secret`` or ``env``."""
        return self.ref.split(":", 1)[0]

    @property
    def name(self) -> str:
        """The secret's or the variable's name."""
        return self.ref.split(":", 1)[1]


@dataclass(frozen=True)
class McuEntry:
    """One MCU: role, area served, carrier, driver, URL, TLS trust, ports, credentials."""

    id: str
    role: McuRole
    area: str
    carrier: str
    driver: str
    url: str
    ports: int
    user: str
    password: CredentialRef
    where: Where
    name: str | None = None
    ca_file: Path | None = None
    pin_sha256: str | None = None
    cascade_address: str | None = None
    timeout_s: float | None = None
    reserve: int | str | None = None
    """Spare ports plans keep free (docs/planning.md); ``None``: the planner's default."""

    def target(self) -> DeviceTarget:
        """The driver's view of this MCU."""
        options: dict[str, object] = {}
        if self.timeout_s is not None:
            options["timeout_s"] = self.timeout_s
        return DeviceTarget("mcu", self.id, self.driver, self.url, user=self.user,
                            password_ref=self.password.ref, ca_file=self.ca_file,
                            pin_sha256=self.pin_sha256, options=options)


@dataclass(frozen=True)
class CodecEntry:
    """A room's codec: driver, ``host:port``, SSH known-hosts file, login."""

    driver: str
    address: str
    known_hosts: Path
    user: str
    where: Where
    password: CredentialRef | None = None
    key_file: Path | None = None
    cameras: int | None = None

    def target(self, site: str) -> DeviceTarget:
        """The driver's view of this codec (its id is ``codec:<site>``)."""
        options: dict[str, object] = {}
        if self.cameras is not None:
            options["cameras"] = self.cameras
        return DeviceTarget("vcs", f"codec:{site}", self.driver, self.address, user=self.user,
                            password_ref=self.password.ref if self.password else None,
                            key_file=self.key_file, known_hosts=self.known_hosts,
                            options=options)


@dataclass(frozen=True)
class CameraEntry:
    """A room's camera: driver, ``host:port`` or serial device, model, named presets."""

    driver: str
    where: Where
    address: str | None = None
    serial: str | None = None
    model: str | None = None
    presets: Mapping[str, int] = field(default_factory=dict)
    baudrate: int | None = None
    visca_address: int | None = None
    trusted_segment: bool = False

    def target(self, site: str, number: int) -> DeviceTarget:
        """The driver's view of this camera (its id is ``camera:<site>/<number>``)."""
        options: dict[str, object] = {"trusted_segment": self.trusted_segment}
        for key, value in (("model", self.model), ("baudrate", self.baudrate),
                           ("visca_address", self.visca_address)):
            if value is not None:
                options[key] = value
        address = self.address if self.address is not None else self.serial
        assert address is not None
        return DeviceTarget("camera", f"camera:{site}/{number}", self.driver, address,
                            presets=self.presets, options=options)


@dataclass(frozen=True)
class Room:
    """A site's meeting room: its codec and cameras (numbered from 1 in file order)."""

    codec: CodecEntry | None = None
    cameras: tuple[CameraEntry, ...] = ()


@dataclass(frozen=True)
class SiteEntry:
    """One site (điểm cầu): the hierarchy, who runs it, the MCU it joins, its room."""

    site: Site
    where: Where
    unit: str | None = None
    contact: str | None = None
    mcu: str | None = None
    dial: str | None = None
    room: Room | None = None

    @property
    def id(self) -> str:
        """The site's id."""
        return self.site.id


@dataclass(frozen=True, slots=True)
class LinkEntry:
    """A fixed cascade link: ``slave`` MCU joins ``master``'s conference."""

    slave: str
    master: str
    where: Where


@dataclass(frozen=True)
class SnmpEntry:
    """An SNMPv3 target: address, user, protocols, keys by reference, vendor table."""

    id: str
    address: str
    user: str
    auth: CredentialRef
    priv: CredentialRef
    where: Where
    auth_protocol: str = "sha256"
    priv_protocol: str = "aes128"
    vendor: str = "mib2"
    context: str = ""
    timeout_s: float = 2.0
    retries: int = 1


@dataclass(frozen=True)
class Network:
    """A whole network file, validated (see :func:`hnth_drivers.network.load_network`).

    ``store``/``key_file`` locate the secret store the credential references name;
    ``operators`` the operators file. Paths are absolute (relative ones in the file are
    read from the file's directory).
    """

    name: str
    source: Path
    conference: str
    chair: str
    mcus: tuple[McuEntry, ...]
    sites: tuple[SiteEntry, ...]
    links: tuple[LinkEntry, ...] = ()
    snmp: tuple[SnmpEntry, ...] = ()
    store: Path | None = None
    key_file: Path | None = None
    operators: Path | None = None

    def mcu(self, mcu_id: str) -> McuEntry:
        """The MCU with this id (ConfigError if none)."""
        for m in self.mcus:
            if m.id == mcu_id:
                return m
        raise ConfigError("no such MCU in the network file", device=mcu_id,
                          operation="network", got=str(self.source))

    def site(self, site_id: str) -> SiteEntry:
        """The site with this id (ConfigError if none)."""
        for s in self.sites:
            if s.id == site_id:
                return s
        raise ConfigError("no such site in the network file", device=site_id,
                          operation="network", got=str(self.source))

    @property
    def master(self) -> McuEntry:
        """The master MCU."""
        return next(m for m in self.mcus if m.role is McuRole.MASTER)

    def topology(self) -> Topology:
        """The sites and MCU inventory as a :class:`Topology` (for the planner)."""
        return Topology.build(self.name, [s.site for s in self.sites], [
            McuSpec(m.id, m.carrier, m.driver, m.url, m.ports, m.area, m.role, m.name,
                    reserve=m.reserve)
            for m in self.mcus])

    def credentials(self) -> list[CredentialRef]:
        """Every credential reference of the file."""
        refs: list[CredentialRef] = [m.password for m in self.mcus]
        for s in self.sites:
            if s.room and s.room.codec and s.room.codec.password:
                refs.append(s.room.codec.password)
        for t in self.snmp:
            refs += [t.auth, t.priv]
        return refs
