"""Camera presets per room from the console: offered by name, recalled through the room's
camera driver (room control over the site, audited), refused outside the area."""

from __future__ import annotations

from contextlib import closing

from .conftest import Console, state_headers


def test_recall_a_rooms_preset_and_refusals(console: Console) -> None:
    client, csrf = console.session("central")
    with closing(client):
        rooms = client.get("/api/rooms").json()["rooms"]
        assert rooms and all(r["can_control"] for r in rooms)
        room = rooms[0]
        assert room["cameras"][0]["presets"] == ["chair", "podium", "audience"]
        done = client.post("/api/preset", json={"site": room["site"], "camera": 1,
                                                 "preset": "podium"},
                           headers=state_headers(csrf))
        assert done.status_code == 200, done.text
        assert done.json()["preset"] == "podium"
        unknown = client.post("/api/preset", json={"site": room["site"], "camera": 1,
                                                    "preset": "balcony"},
                              headers=state_headers(csrf))
        assert unknown.status_code == 404 and "balcony" in unknown.json()["error"]
        bad = client.post("/api/preset", json={"site": room["site"], "camera": "1; rm",
                                               "preset": "podium"},
                          headers=state_headers(csrf))
        assert bad.status_code == 400 and "malformed" in bad.json()["error"]
    province = room["site"].split("-")[0]
    outsider = "op-p02" if province == "p01" else "op-p01"
    client, csrf = console.session(outsider)
    with closing(client):
        assert all(r["site"].startswith(outsider[3:])
                   for r in client.get("/api/rooms").json()["rooms"])
        refused = client.post("/api/preset", json={"site": room["site"], "camera": 1,
                                                   "preset": "chair"},
                              headers=state_headers(csrf))
        assert refused.status_code == 403 and "refused" in refused.json()["error"]
    records = [r for r in console.records() if r["action"] == "camera.preset"]
    assert any(r["result"] == "ok" and r["actor"] == "central" for r in records)
    assert any(r["result"] == "denied" and r["actor"] == outsider for r in records)
    assert any(r["result"] == "refused" and r["actor"] == "central" for r in records)
