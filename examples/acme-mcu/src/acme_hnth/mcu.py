"""``AcmeMcu``: an hnth-drivers MCU driver for the (made-up) Acme JSON API.

Everything a plug-in driver needs: a registry ``name``, the ``capabilities`` it serves,
``from_target`` (how network files, the Fleet and ``hnth mcu`` build it), ``open`` /
``close``, and the contract methods it serves. Its HTTPS client comes from
:func:`hnth_drivers.transport.https.https_client`, so the security policy (verified TLS,
pinning) applies, and ``hnth record`` and the offline kit work with no code here.
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

import httpx
from hnth_drivers import errors
from hnth_drivers.driver import DeviceTarget, SecretSource
from hnth_drivers.mcu.base import Mcu
from hnth_drivers.model import (
    Capability,
    Conference,
    DeviceHealth,
    Endpoint,
    Participant,
    ParticipantKind,
)
from hnth_drivers.security.audit import AuditLog
from hnth_drivers.security.policy import SecurityPolicy
from hnth_drivers.security.secrets import Secret
from hnth_drivers.transport.https import TlsTrust, checked_url, https_client

from . import api

__all__ = ["AcmeMcu"]


class AcmeMcu(Mcu):
    """The Acme MCU over its JSON API (``url`` is the API base, ``https://HOST:PORT/api/v1``)."""

    name: ClassVar[str] = "acme"
    capabilities: ClassVar[frozenset[Capability]] = frozenset({
        Capability.CONFERENCES, Capability.CREATE_CONFERENCE, Capability.PARTICIPANTS,
        Capability.ADD_PARTICIPANT, Capability.REMOVE_PARTICIPANT, Capability.MUTE,
        Capability.HEALTH,
    })

    @classmethod
    def from_target(cls, target: DeviceTarget, *, secrets: SecretSource,
                    policy: SecurityPolicy, audit: AuditLog | None) -> Self:
        """Built from a network file's MCU entry: URL, CA or pin, user, password ref."""
        del audit
        return cls(target.address, user=target.user, password=target.password(secrets),
                   trust=target.tls_trust(), policy=policy,
                   timeout_s=target.option("timeout_s", float, 10.0) or 10.0,
                   device=target.id or None)

    def __init__(self, url: str, *, user: str, password: Secret, trust: TlsTrust | None,
                 policy: SecurityPolicy, timeout_s: float = 10.0,
                 device: str | None = None) -> None:
        parsed = checked_url(url, operation="AcmeMcu")
        self._url, self._user, self._password = url, user, password
        self._trust, self._policy, self._timeout = trust, policy, timeout_s
        self._device = device or f"{parsed.host}:{parsed.port or 443}"
        self._client: httpx.AsyncClient | None = None
        self._token: Secret | None = None

    def __repr__(self) -> str:
        return f"AcmeMcu({self._device!r})"

    @property
    def device(self) -> str:
        """``host:port`` or the network file's id."""
        return self._device

    async def open(self) -> None:
        """Log in: ``POST /session`` with user and password gives a bearer token."""
        if self._client is not None:
            return
        self._client = https_client(self._url, policy=self._policy, trust=self._trust,
                                    timeout=self._timeout, device=self._device)
        try:
            reply = await self._call("POST", api.SESSION, {
                "user": self._user, "password": self._password.reveal()}, operation="login")
            self._token = Secret(str(reply["token"]))
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        """Log out (best effort) and close the connection."""
        client, self._client = self._client, None
        if client is None:
            return
        try:
            if self._token is not None:
                await client.delete(api.SESSION, headers=self._auth())
        except httpx.HTTPError:
            pass  # closing anyway
        finally:
            self._token = None
            await client.aclose()

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token.reveal()}"} if self._token else {}

    async def _call(self, method: str, path: str, body: dict[str, Any] | None = None, *,
                    operation: str) -> Any:
        if self._client is None:
            raise errors.ConnectError("not open", device=self._device, operation=operation,
                                      expected="async with AcmeMcu(...)")
        try:
            response = await self._client.request(method, path, json=body,
                                                  headers=self._auth())
        except httpx.TimeoutException:
            raise errors.DeviceTimeout("no reply in time", device=self._device,
                                      operation=operation,
                                      expected=f"a reply within {self._timeout} s") from None
        except httpx.HTTPError as exc:
            raise errors.ConnectError("request failed", device=self._device,
                                      operation=operation, got=type(exc).__name__) from None
        if response.status_code == 204:
            return None
        try:
            data = response.json()
        except (ValueError, UnicodeDecodeError):
            raise errors.ProtocolError("reply is not JSON", device=self._device,
                                       operation=operation, expected="application/json",
                                       got=response.headers.get("content-type")) from None
        if response.status_code == 401:
            raise errors.AuthError("login refused", device=self._device, operation=operation,
                                   got=str(response.status_code))
        if response.status_code >= 400:
            error = data.get("error", {}) if isinstance(data, dict) else {}
            raise errors.DeviceError(str(error.get("message", "request refused"))[:200],
                                     code=str(error.get("code", response.status_code)),
                                     device=self._device, operation=operation,
                                     got=f"HTTP {response.status_code}")
        return data

    def _checked(self, operation: str, parse: Any, *args: Any) -> Any:
        try:
            return parse(*args)
        except (KeyError, TypeError, ValueError, errors.ConfigError) as exc:
            raise errors.ProtocolError("unexpected reply", device=self._device,
                                       operation=operation,
                                       got=f"{type(exc).__name__}: {exc}"[:200]) from None

    async def conferences(self) -> list[Conference]:
        """``GET /conferences``."""
        data = await self._call("GET", api.conferences_path(), operation="conferences")
        return [self._checked("conferences", api.parse_conference, c)
                for c in data.get("conferences", [])]

    async def create_conference(self, name: str, *, pin: str | None = None) -> Conference:
        """``POST /conferences`` (409 if the name exists)."""
        body: dict[str, Any] = {"name": name} | ({"pin": pin} if pin else {})
        data = await self._call("POST", api.conferences_path(), body,
                                operation="create_conference")
        conference: Conference = self._checked("create_conference", api.parse_conference,
                                               data)
        return conference

    async def destroy_conference(self, name: str) -> None:
        """``DELETE /conferences/NAME``."""
        await self._call("DELETE", api.conference_path(name), operation="destroy_conference")

    async def participants(self, conference: str) -> list[Participant]:
        """``GET /conferences/NAME/participants``."""
        data = await self._call("GET", api.participants_path(conference),
                                operation="participants")
        return [self._checked("participants", api.parse_participant, conference, p)
                for p in data.get("participants", [])]

    async def add_participant(self, conference: str, endpoint: Endpoint, *,
                              name: str | None = None,
                              kind: ParticipantKind = ParticipantKind.SITE) -> Participant:
        """``POST /conferences/NAME/participants``: sites only (no cascade links)."""
        if kind is not ParticipantKind.SITE:
            raise errors.NotSupported("Acme MCUs add sites only", device=self._device,
                                      operation="add_participant", got=kind.value)
        data = await self._call("POST", api.participants_path(conference),
                                {"name": name or endpoint.site, "address": endpoint.address},
                                operation="add_participant")
        added: Participant = self._checked("add_participant", api.parse_participant,
                                           conference, data)
        return added

    async def remove_participant(self, conference: str, participant: str) -> None:
        """``DELETE /conferences/NAME/participants/NAME``."""
        await self._call("DELETE", api.participant_path(conference, participant),
                         operation="remove_participant")

    async def mute(self, conference: str, participant: str, on: bool) -> None:
        """``PUT /conferences/NAME/participants/NAME/mute``."""
        await self._call("PUT", api.mute_path(conference, participant), {"on": on},
                         operation="mute")

    async def health(self) -> DeviceHealth:
        """``GET /health``."""
        data = await self._call("GET", api.health_path(), operation="health")
        health: DeviceHealth = self._checked("health", api.parse_health, self._device, data)
        return health


