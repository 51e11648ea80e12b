"""Site search that ignores Vietnamese diacritics: "tien lang" finds "Tiên Lãng".

Names are folded once (NFD, combining marks dropped, ``đ``/``Đ`` to ``d`` — the one
Vietnamese letter that does not decompose — lower case, punctuation to spaces); a query
is folded the same way and every word of it must occur in the folded name or the id.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["SiteIndex", "fold"]

_NOT_WORD = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """``text`` without diacritics, lower case, words separated by single spaces."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return _NOT_WORD.sub(" ", bare).strip()


@dataclass(frozen=True, slots=True)
class _Entry:
    site: str
    haystack: str


class SiteIndex:
    """Folded names and ids of sites, searched in file order."""

    def __init__(self, sites: Iterable[tuple[str, str]]) -> None:
        self._entries = [_Entry(sid, f" {fold(name)} {sid.lower()} {fold(sid)} ")
                         for sid, name in sites]

    def __len__(self) -> int:
        return len(self._entries)

    def search(self, query: str, *, allowed: set[str] | None = None,
               limit: int = 20) -> list[str]:
        """Ids of sites whose name or id holds every word of ``query`` (each word matched
        at a word start; whole-word matches first), ``allowed`` ones only when given, at
        most ``limit``."""
        words = fold(query).split()
        if not words:
            return []
        needles = [" " + w for w in words]
        whole = [" " + w + " " for w in words]
        exact: list[str] = []
        prefix: list[str] = []
        for entry in self._entries:
            if allowed is not None and entry.site not in allowed:
                continue
            if all(n in entry.haystack for n in needles):
                if all(w in entry.haystack for w in whole):
                    exact.append(entry.site)
                    if len(exact) >= limit:
                        break
                elif len(prefix) < limit:
                    prefix.append(entry.site)
        return (exact + prefix)[:limit]
