"""The console's HTML, rendered on the server (``html.escape`` on every value).

Scripts come from ``/static/console.js`` only (the Content-Security-Policy forbids inline
script); the page hands it the CSRF token and the operator's rights in ``<meta>`` tags.
"""

from __future__ import annotations

from html import escape

from ..security.access import Operator

__all__ = ["home", "login"]

TITLE = "HNTH operator console"


def _page(title: str, body: str, meta: str = "") -> str:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">{meta}'
            f'<title>{escape(title)}</title>'
            f'<link rel="icon" href="data:,">'
            f'<link rel="stylesheet" href="/static/console.css"></head>'
            f'<body>{body}</body></html>')


def login(token: str, message: str = "") -> str:
    """The login form (its ``login_token`` is double-submitted with a cookie)."""
    note = f'<p class="message" role="alert">{escape(message)}</p>' if message else ""
    return _page(f"Log in — {TITLE}", f"""
<main class="login"><h1>{TITLE}</h1>{note}
<form method="post" action="/login">
<input type="hidden" name="login_token" value="{escape(token)}">
<label>Operator <input name="name" id="name" required maxlength="64" autofocus
autocomplete="username"></label>
<label>Password <input name="password" id="password" type="password" required
maxlength="1024" autocomplete="current-password"></label>
<button type="submit" id="login">Log in</button></form></main>""")


def _count(row: dict[str, object]) -> str:
    down = f' · <b class="bad">{row["disconnected"]} down</b>' if row["disconnected"] else ""
    return (f'<span class="counts"><b class="ok">{row["connected"]}</b> / {row["sites"]} '
            f'connected{down}</span>')


def home(operator: Operator, csrf: str, summary: dict[str, object], *,
         can_switch: bool) -> str:
    """The main page: cascade tree, search, the chair's screen and the alarm feed."""
    rows = summary["provinces"]
    assert isinstance(rows, list)
    tree = "".join(
        f'<details class="province" data-pid="{escape(str(r["id"]))}">'
        f'<summary><span class="pname">{escape(str(r["name"]))}</span> '
        f'<span class="pid">{escape(str(r["id"]))}</span> {_count(r)}</summary>'
        f'<div class="mcus">…</div></details>' for r in rows)
    scope = f" · area {escape(operator.scope)}" if operator.scope else " · all areas"
    meta = (f'<meta name="csrf" content="{escape(csrf)}">'
            f'<meta name="can-switch" content="{"yes" if can_switch else "no"}">')
    show_panel = ("" if not can_switch else """
<section id="chair-panel"><h2>Chair's screen</h2>
<div id="chair"><p id="chair-site">—</p><p id="countdown" aria-live="polite"></p>
<p id="chair-status"></p><table id="trace"></table></div></section>""")
    return _page(TITLE, f"""
<header><h1>{TITLE}</h1><span class="net">{escape(str(summary["network"]))}</span>
<span class="who" id="who">{escape(operator.name)} ({escape(operator.role.value)}{scope})</span>
<form method="post" action="/logout"><input type="hidden" name="csrf" value="{escape(csrf)}">
<button id="logout">Log out</button></form></header>
<main class="grid">
<section id="tree-panel"><h2>Cascade</h2>
<p class="master">Master MCU <b>{escape(str(summary["master"]))}</b> · chair
<b>{escape(str(summary["chair"]))}</b></p>
<div id="tree">{tree}</div></section>
<section id="side">
<section id="search-panel"><h2>Find a site</h2>
<input id="q" type="search" placeholder="e.g. xa 12 hai phong" autocomplete="off">
<ul id="results"></ul><p id="error" role="alert"></p></section>{show_panel}
<section id="feed-panel"><h2>Alarms</h2><ul id="feed"></ul></section>
<section id="rooms-panel"><h2>Rooms and camera presets</h2><ul id="rooms"></ul>
<p id="preset-status" role="status"></p></section>
<section id="readiness-panel"><h2>Readiness</h2>
<button id="run-readiness">Check readiness</button> <span id="readiness-summary"></span>
<p class="downloads">Summary form: <a href="/readiness.csv?lang=vi">CSV (vi)</a> ·
<a href="/readiness.csv?lang=en">CSV (en)</a> · <a href="/readiness.json?lang=vi">JSON</a></p>
<table id="readiness"></table></section>
</section></main>
<script src="/static/console.js"></script>""", meta)
