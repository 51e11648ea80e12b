"""Credential references of a network file, resolved: the secret store and the environment.

A reference is ``secret:NAME`` (an entry of the encrypted secret store the network file
names, or ``$HNTH_SECRETS_FILE``) or ``env:VARIABLE``. Values are read when a driver is
built and kept only as :class:`~hnth_drivers.security.secrets.Secret` values; a reference
that resolves to nothing is a :class:`ConfigError` naming where it was written.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from ..errors import ConfigError, SecretStoreError
from ..security.secrets import ENV_KEY_FILE, ENV_PASSPHRASE, Secret, SecretStore, StoreKey
from .model import CredentialRef, Network, NetworkFileError

__all__ = ["NetworkSecrets", "check_credentials"]


class NetworkSecrets:
    """A :class:`~hnth_drivers.driver.SecretSource` over a secret store and the environment.

    ``store`` may be ``None`` when every reference is ``env:``. Each secret is read once.
    """

    def __init__(self, store: SecretStore | None, environ: Mapping[str, str] | None = None
                 ) -> None:
        self.store = store
        self._environ = os.environ if environ is None else environ
        self._cache: dict[str, Secret] = {}

    def __repr__(self) -> str:
        return f"NetworkSecrets({self.store!r})"

    @classmethod
    def for_network(cls, network: Network, environ: Mapping[str, str] | None = None
                    ) -> NetworkSecrets:
        """The store the network file names (keyed by its ``key_file``, else from the
        environment), else ``$HNTH_SECRETS_FILE``; no store if neither is set."""
        env = os.environ if environ is None else environ
        path = network.store or (Path(env["HNTH_SECRETS_FILE"])
                                 if env.get("HNTH_SECRETS_FILE") else None)
        if path is None:
            return cls(None, env)
        if network.key_file is not None:
            key = StoreKey.from_key_file(network.key_file)
        elif env.get(ENV_KEY_FILE) or env.get(ENV_PASSPHRASE):
            key = StoreKey.from_env(dict(env))
        else:
            return cls(None, env)
        return cls(SecretStore(path, key), env)

    def resolve(self, ref: str) -> Secret:
        """The secret ``ref`` names; ConfigError if it resolves to nothing."""
        if ref in self._cache:
            return self._cache[ref]
        scheme, _, name = ref.partition(":")
        if scheme == "env":
            value = self._environ.get(name)
            if not value:
                raise ConfigError("the environment variable is not set", operation="credential",
                                  device=ref, expected=f"${name} set")
            secret = Secret(value)
        elif scheme == "secret":
            if self.store is None:
                raise ConfigError("no secret store to read it from", operation="credential",
                                  device=ref, expected="[secrets] store in the network "
                                  "file with its key_file, or HNTH_SECRETS_FILE and a key")
            try:
                secret = self.store.get(name)
            except SecretStoreError as exc:
                raise ConfigError(exc.message, operation="credential", device=ref,
                                  got=exc.got) from None
        else:
            raise ConfigError("unknown credential reference", operation="credential",
                              device=ref, expected="secret:NAME or env:VARIABLE")
        self._cache[ref] = secret
        return secret


def check_credentials(network: Network, secrets: NetworkSecrets) -> None:
    """Resolve every reference of ``network``; NetworkFileError listing those that fail."""
    problems = []
    for cred in _unique(network.credentials()):
        try:
            secrets.resolve(cred.ref)
        except ConfigError as exc:
            problems.append((cred.where, f"credential {cred.ref!r} resolves to nothing "
                             f"({exc.message})"))
    if problems:
        raise NetworkFileError(problems)


def _unique(refs: list[CredentialRef]) -> list[CredentialRef]:
    seen: set[tuple[str, str]] = set()
    out = []
    for r in refs:
        if (r.ref, r.where.key) not in seen:  # (the key, not the line: found only if needed)
            seen.add((r.ref, r.where.key))
            out.append(r)
    return out
