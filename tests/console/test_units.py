"""The console's pure parts: diacritic folding, scrypt hashes, lock-out, sessions."""

from __future__ import annotations

from hnth_drivers.console.accounts import LoginGuard, Sessions
from hnth_drivers.console.passwords import hash_password, verify_password
from hnth_drivers.console.search import SiteIndex, fold
from hnth_drivers.security.access import Operator, Role

CHEAP = (2**10, 8, 1)


def test_fold_drops_vietnamese_diacritics_and_d_stroke() -> None:
    assert fold("Tiên Lãng") == "tien lang"
    assert fold("ĐÀ NẴNG") == fold("đà nẵng") == "da nang"
    assert fold("Xã 12, huyện Thủy Nguyên") == "xa 12 huyen thuy nguyen"


def test_search_matches_words_with_or_without_diacritics() -> None:
    index = SiteIndex([("a", "Tiên Lãng"), ("b", "Tiền Hải"), ("c", "Đà Nẵng"),
                       ("d", "Xã 2, Hải Phòng"), ("e", "Xã 12, Hải Phòng")])
    assert index.search("tien lang") == ["a"]
    assert index.search("Tiên Lãng") == ["a"]
    assert index.search("tien") == ["a", "b"]
    assert index.search("da nang") == ["c"]
    assert index.search("xa 2 hai phong") == ["d"]  # "2" does not match inside "12"
    assert index.search("hai", allowed={"e"}) == ["e"]
    assert index.search("   ") == []
    assert index.search("hai", limit=1) == ["b"]
    assert index.search("xa 1") == ["e"]  # "12" starts with "1"
    more = SiteIndex([("x40", "Xã 40, Hà Nội"), ("x4", "Xã 4, Hà Nội")])
    assert more.search("xa 4 ha noi") == ["x4", "x40"]  # the whole word first
    ids = SiteIndex([("p01-d01-c01", "Xã 1"), ("p01-d01-c011", "Xã 11")])
    assert ids.search("p01-d01-c01") == ["p01-d01-c01", "p01-d01-c011"]
    assert ids.search("d01 c011") == ["p01-d01-c011"]


def test_scrypt_hash_verifies_its_password_only() -> None:
    stored = hash_password("correct horse", cost=CHEAP)
    assert stored.startswith("scrypt$1024$8$1$")
    assert verify_password("correct horse", stored)
    assert not verify_password("correct hors", stored)
    assert hash_password("correct horse", cost=CHEAP) != stored  # salted
    for bad in ("", "plain", "scrypt$x$8$1$aa$bb", stored.replace("scrypt", "md5"),
                "scrypt$4194304$8$1$AAAA$" + stored.rsplit("$", 1)[1]):
        assert not verify_password("correct horse", bad)


def test_login_guard_locks_after_repeated_failures_and_unlocks_later() -> None:
    now = [0.0]
    guard = LoginGuard(attempts=3, window_s=60, lock_s=300, clock=lambda: now[0])
    assert not guard.failed("op") and not guard.failed("op")
    assert guard.failed("op")
    assert guard.locked("op") == 300
    now[0] += 301
    assert guard.locked("op") == 0
    guard.failed("op")
    now[0] += 61  # an old failure leaves the window
    assert not guard.failed("op") and not guard.failed("op")
    guard.succeeded("op")
    assert not guard.failed("op")


def test_sessions_expire_when_idle_and_at_the_absolute_limit() -> None:
    now = [0.0]
    sessions = Sessions(idle_s=10, absolute_s=25, clock=lambda: now[0])
    s = sessions.create(Operator("central", Role.CENTRAL_OPERATOR))
    assert "central" in repr(s) and s.token not in repr(s) and s.csrf not in repr(s)
    for _ in range(2):
        now[0] += 9
        assert sessions.get(s.token) is s
    now[0] += 9  # 27 s after creation
    assert sessions.get(s.token) is None
    s2 = sessions.create(Operator("central", Role.CENTRAL_OPERATOR))
    now[0] += 11
    assert sessions.get(s2.token) is None
    assert sessions.get(None) is None and sessions.get("forged") is None
    s3 = sessions.create(Operator("central", Role.CENTRAL_OPERATOR))
    assert s3.use_request("r1") and not s3.use_request("r1")
    sessions.end(s3.token)
    assert sessions.get(s3.token) is None
