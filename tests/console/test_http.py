"""The console over real HTTPS on loopback (httpx, the generated ca.pem trusted): TLS,
cookies, CSRF, replays, lock-out, rights by area, bad bodies; every refusal audited."""

from __future__ import annotations

import asyncio
import json
import ssl
import subprocess
import uuid
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from hnth_drivers.console.passwords import verify_password
from tests.conftest import HNTH, simulator_process

from .conftest import Console, state_headers, user_env


def refusals(console: Console, action: str) -> list[dict[str, object]]:
    return [r for r in console.records() if r["action"] == action and r["result"] == "refused"]


def test_https_with_the_generated_ca_only(console: Console) -> None:
    with console.client() as client:
        page = client.get("/login")
    assert page.status_code == 200 and "HNTH operator console" in page.text
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert page.headers["strict-transport-security"].startswith("max-age=")
    assert page.headers["x-frame-options"] == "DENY"
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"), \
            httpx.Client(verify=ssl.create_default_context()) as plain:
        plain.get(console.url + "login")
    with pytest.raises(httpx.HTTPError), httpx.Client(verify=console.ssl()) as client:
        client.get(console.url.replace("https://", "http://") + "login")


def test_login_sets_a_secure_httponly_strict_session_cookie(console: Console) -> None:
    with console.client() as client:
        assert client.get("/", follow_redirects=False).headers["location"] == "/login"
        done = console.login(client, "central")
        assert done.status_code == 303 and done.headers["location"] == "/"
        cookie = next(c for c in done.headers.get_list("set-cookie")
                      if c.startswith("hnth_session="))
        flags = {f.strip().lower() for f in cookie.split(";")[1:]}
        assert {"secure", "httponly", "samesite=strict", "path=/"} <= flags
        assert client.get("/").status_code == 200
    assert any(r["action"] == "console.login" and r["result"] == "ok"
               and r["actor"] == "central" for r in console.records())


def test_login_needs_the_forms_own_token(console: Console) -> None:
    with console.client() as client:
        forged = client.post("/login", data={"name": "central",
                                             "password": console.passwords["central"]})
        assert forged.status_code == 403 and "forged" in forged.text
        assert "hnth_session" not in forged.headers.get("set-cookie", "")
        cross = client.post("/login", headers={"Origin": "https://evil.example"},
                            data={"name": "central", "password": "x", "login_token": "x"})
        assert cross.status_code == 403
    assert len(refusals(console, "console.login")) >= 2


def test_repeated_failures_lock_the_name_out_even_with_the_right_password(
        console: Console) -> None:
    name = "op-p30"
    with console.client() as client:
        answers = [console.login(client, name, "wrong-password") for _ in range(5)]
        assert [a.status_code for a in answers] == [401] * 5
        assert "wrong name or password" in answers[0].text
        assert "locked" in answers[-1].text
        right = console.login(client, name)
        assert right.status_code == 429 and "locked" in right.text
        assert "hnth_session" not in right.headers.get("set-cookie", "")
        unknown = console.login(client, "nobody", "whatever-password")
        assert unknown.status_code == 401 and "wrong name or password" in unknown.text
    mine = [r["result"] for r in console.records()
            if r["action"] == "console.login" and r["target"] == name]
    assert mine.count("failed") == 5 and "locked" in mine


def test_state_changes_need_the_csrf_token_and_refuse_replays(console: Console) -> None:
    client, csrf = console.session("central")
    with closing(client):
        site = "p05-c003"
        for headers in ({"X-Request-Id": uuid.uuid4().hex},
                        {"X-CSRF-Token": "forged", "X-Request-Id": uuid.uuid4().hex}):
            refused = client.post("/api/switch", json={"site": site}, headers=headers)
            assert refused.status_code == 403 and "CSRF" in refused.json()["error"]
        cross = client.post("/api/switch", json={"site": site}, headers={
            **state_headers(csrf), "Origin": "https://evil.example"})
        assert cross.status_code == 403 and "another site" in cross.json()["error"]
        cross = client.post("/api/switch", json={"site": site}, headers={
            **state_headers(csrf), "Sec-Fetch-Site": "cross-site"})
        assert cross.status_code == 403
        headers = state_headers(csrf)
        first = client.post("/api/switch", json={"site": site}, headers=headers)
        assert first.status_code == 200, first.text
        assert first.json()["confirmed"] and first.json()["site"] == site
        replay = client.post("/api/switch", json={"site": site}, headers=headers)
        assert replay.status_code == 409 and "replayed" in replay.json()["error"]
        no_id = client.post("/api/switch", json={"site": site},
                            headers={"X-CSRF-Token": csrf})
        assert no_id.status_code == 400
    reasons = [str(r["detail"]["reason"]) for r in refusals(console, "console.switch")]  # type: ignore[index]
    assert any("CSRF" in r for r in reasons) and any("replayed" in r for r in reasons)
    assert any("another site" in r for r in reasons)


def test_logout_ends_the_session_and_its_csrf_token(console: Console) -> None:
    client, csrf = console.session("central")
    with closing(client):
        cookie = client.cookies.get("hnth_session")
        assert client.post("/logout", data={"csrf": "wrong"}).status_code == 403
        out = client.post("/logout", data={"csrf": csrf})
        assert out.status_code == 303 and out.headers["location"].startswith("/login")
    with console.client() as replay:
        replay.cookies.set("hnth_session", str(cookie), domain="127.0.0.1")
        assert replay.get("/api/tree").status_code == 401
        gone = replay.post("/api/switch", json={"site": "p05-c003"},
                           headers=state_headers(csrf))
        assert gone.status_code == 401 and "log in" in gone.json()["error"]


def test_a_provincial_operator_sees_and_controls_only_its_province(console: Console) -> None:
    client, csrf = console.session("op-p01")
    with closing(client):
        tree = client.get("/api/tree").json()
        assert [p["id"] for p in tree["provinces"]] == ["p01"]
        page = client.get("/").text
        assert "Hà Nội" in page and "Hải Phòng" not in page
        assert client.get("/api/search", params={"q": "hai phong"}).json()["sites"] == []
        own = client.get("/api/search", params={"q": "xa 3 ha noi"}).json()["sites"]
        assert own and own[0]["id"] == "p01-c003" and own[0]["can_switch"]
        other = client.get("/api/province/p18")
        assert other.status_code == 403 and "outside your area" in other.json()["error"]
        refused = client.post("/api/switch", json={"site": "p18-c012"},
                              headers=state_headers(csrf))
        assert refused.status_code == 403 and "refused" in refused.json()["error"]
        done = client.post("/api/switch", json={"site": "p01-c003"},
                           headers=state_headers(csrf))
        assert done.status_code == 200 and done.json()["confirmed"], done.text
    records = console.records()
    assert any(r["action"] == "cascade.switch_to" and r["target"] == "p18-c012"
               and r["result"] == "denied" and r["actor"] == "op-p01" for r in records)
    assert any(r["action"] == "console.view" and r["target"] == "p18"
               and r["actor"] == "op-p01" for r in records)
    assert any(r["action"] == "cascade.switch_to" and r["target"] == "p01-c003"
               and r["result"] == "ok" and r["actor"] == "op-p01" for r in records)


def test_oversized_malformed_and_unknown_requests_are_refused_and_audited(
        console: Console) -> None:
    client, csrf = console.session("central")
    with closing(client):
        big = client.post("/api/switch", content=b"{" + b" " * 20_000 + b"}",
                          headers={**state_headers(csrf), "Content-Type": "application/json"})
        assert big.status_code == 413 and "bytes" in big.json()["error"]
        for body in (b"not json", b"[]", b'{"site": 5}', b'{"site": ""}'):
            bad = client.post("/api/switch", content=body, headers={
                **state_headers(csrf), "Content-Type": "application/json"})
            assert bad.status_code == 400 and "malformed" in bad.json()["error"], body
        unknown = client.post("/api/switch", json={"site": "p99-c999"},
                              headers=state_headers(csrf))
        assert unknown.status_code == 404 and "no site" in unknown.json()["error"]
        chair = client.get("/api/tree").json()["chair"]
        itself = client.post("/api/switch", json={"site": chair}, headers=state_headers(csrf))
        assert itself.status_code == 400 and "chair" in itself.json()["error"]
        assert client.get("/api/tree").status_code == 200  # still answering
    reasons = [str(r["detail"]["reason"]) for r in refusals(console, "console.switch")]  # type: ignore[index]
    assert any("bytes" in r for r in reasons) and any("malformed" in r for r in reasons)
    assert any("no site" in r for r in reasons)


async def test_a_dropped_link_appears_in_the_alarm_feed_and_clears_on_redial(
        console: Console) -> None:
    from hnth_drivers.network import Fleet

    client, _ = console.session("central")
    client.close()
    seen: list[dict[str, object]] = []
    async with httpx.AsyncClient(base_url=console.url, verify=console.ssl(),
                                 cookies=client.cookies, timeout=60) as feed, \
            feed.stream("GET", "/events") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        fleet = Fleet.from_file(console.network)
        async with fleet:
            cascade = fleet.cascade()
            victim = sorted(cascade.links)[-1]
            mcu = await fleet.mcu(victim)
            await mcu.disconnect_participant(fleet.network.conference,
                                             cascade.links[victim].uplink)
        event = ""
        async with asyncio.timeout(60):  # the drop must be seen and cleared well before
            async for line in stream.aiter_lines():
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: ") and event == "alarm":
                    alarm = json.loads(line[6:])
                    if alarm["mcu"] == victim:
                        seen.append(alarm)
                        if alarm["event"] == "recovered":
                            break
    kinds = [a["event"] for a in seen]
    assert kinds[0] == "dropped" and "redialed" in kinds and kinds[-1] == "recovered", seen


def test_plain_http_only_on_loopback_and_audited(sim_network: Path,
                                                 tmp_path: Path) -> None:
    env = user_env(tmp_path)
    refused = subprocess.run([*HNTH, "console", "--network", str(sim_network), "--listen",
                              "0.0.0.0:0", "--plain-http"], capture_output=True, text=True,
                             env=env, timeout=60)
    assert refused.returncode == 2 and "loopback" in refused.stderr
    assert "Traceback" not in refused.stderr
    with simulator_process(["console", "--network", str(sim_network), "--listen",
                            "127.0.0.1:0", "--plain-http", "--no-watch"], kind="console",
                           env=env, ready_within_s=90.0) as url:
        assert url.startswith("http://127.0.0.1:")
        assert httpx.get(url + "login").status_code == 200
    records = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert any(r["action"] == "console.plain_http" and r["result"] == "waived" for r in records)


def test_hash_password_reads_stdin_never_argv(tmp_path: Path) -> None:
    done = subprocess.run([*HNTH, "console", "hash-password"], input="s3cret-enough\n",
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert verify_password("s3cret-enough", done.stdout.strip())
    short = subprocess.run([*HNTH, "console", "hash-password"], input="short\n",
                           capture_output=True, text=True, timeout=60)
    assert short.returncode == 2 and "8 characters" in short.stderr


def test_vietnamese_and_english(console: Console) -> None:
    with console.client() as client:
        assert "Đăng nhập" in client.get("/login", headers={"Accept-Language": "vi-VN"}).text
        assert "Log in" in client.get("/login").text
    client, _ = console.session("central")
    with closing(client):
        vi = client.get("/", params={"lang": "vi"})
        assert 'lang="vi"' in vi.text and "Tìm điểm cầu" in vi.text
        assert "đã kết nối" in vi.text and "Đăng xuất" in vi.text
        cookie = next(c for c in vi.headers.get_list("set-cookie") if c.startswith("hnth_lang="))
        assert "secure" in cookie.lower() and "samesite=strict" in cookie.lower()
        assert "Tìm điểm cầu" in client.get("/").text  # kept
        assert "Find a site" in client.get("/", params={"lang": "en"}).text
        assert "Find a site" in client.get("/", params={"lang": "xx"}).text
