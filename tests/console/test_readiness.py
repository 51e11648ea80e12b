"""The readiness table from the console: run from the page (a state change: CSRF), rows
of the operator's area only, downloadable as the summary form in CSV and JSON."""

from __future__ import annotations

import csv
import io
from contextlib import closing

from .conftest import Console, state_headers


def test_readiness_of_the_operators_area_with_csv_and_json(console: Console) -> None:
    client, csrf = console.session("op-p01")
    with closing(client):
        refused = client.post("/api/readiness", headers={"X-Request-Id": "r" * 16})
        assert refused.status_code == 403
        done = client.post("/api/readiness", headers=state_headers(csrf))
        assert done.status_code == 200, done.text
        data = done.json()
        tree = client.get("/api/tree").json()
        assert data["sites"] == tree["provinces"][0]["sites"]
        assert data["counts"]["ready"] + data["counts"]["degraded"] + \
            data["counts"]["not_ready"] == data["sites"]
        got = client.get("/readiness.csv", params={"lang": "en"})
        assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
        assert "attachment" in got.headers["content-disposition"]
        rows = list(csv.reader(io.StringIO(got.text)))
        assert len(rows) - 1 == data["sites"]
        assert all(any(cell.startswith("p01") for cell in row) for row in rows[1:])
        vi = client.get("/readiness.json", params={"lang": "vi"}).json()
        assert vi["lang"] == "vi" and len(vi["rows"]) == data["sites"]
        assert {r["site"].split("-")[0] for r in vi["rows"]} == {"p01"}
        assert client.get("/readiness.xml").status_code == 404
    with console.client() as anonymous:
        assert anonymous.get("/readiness.csv", follow_redirects=False).status_code == 303
    assert any(r["action"] == "console.readiness" and r["actor"] == "op-p01"
               and r["result"] == "ok" for r in console.records())
