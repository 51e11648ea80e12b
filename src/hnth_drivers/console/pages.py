"""The console's HTML, rendered on the server (``html.escape`` on every value).

Scripts come from ``/static/console.js`` only (the Content-Security-Policy forbids inline
script); the page hands it the CSRF token, the operator's rights and its words
(:mod:`~hnth_drivers.console.i18n`, JSON) in ``<meta>`` tags.
"""

from __future__ import annotations

import json
from html import escape

from ..security.access import Operator
from .i18n import labels, role_name

__all__ = ["home", "login"]


def _page(lang: str, title: str, body: str, meta: str = "") -> str:
    return (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">{meta}'
            f'<title>{escape(title)}</title>'
            f'<link rel="icon" href="data:,">'
            f'<link rel="stylesheet" href="/static/console.css"></head>'
            f'<body>{body}</body></html>')


def _langs(path: str) -> str:
    return (f'<nav class="langs"><a href="{path}?lang=vi" lang="vi">Tiếng Việt</a> · '
            f'<a href="{path}?lang=en" lang="en">English</a></nav>')


def login(token: str, message: str = "", lang: str = "en") -> str:
    """The login form (its ``login_token`` is double-submitted with a cookie)."""
    t = labels(lang)
    note = f'<p class="message" role="alert">{escape(message)}</p>' if message else ""
    return _page(lang, f"{t['log_in']} — {t['title']}", f"""
<main class="login"><h1>{escape(t['title'])}</h1>{_langs('/login')}{note}
<form method="post" action="/login">
<input type="hidden" name="login_token" value="{escape(token)}">
<label>{escape(t['operator'])} <input name="name" id="name" required maxlength="64" autofocus
autocomplete="username"></label>
<label>{escape(t['password'])} <input name="password" id="password" type="password" required
maxlength="1024" autocomplete="current-password"></label>
<button type="submit" id="login">{escape(t['log_in'])}</button></form></main>""")


def _count(row: dict[str, object], t: dict[str, str]) -> str:
    down = (f' · <b class="bad">{row["disconnected"]} {escape(t["down"])}</b>'
            if row["disconnected"] else "")
    return (f'<span class="counts"><b class="ok">{row["connected"]}</b> / {row["sites"]} '
            f'{escape(t["connected"])}{down}</span>')


def home(operator: Operator, csrf: str, summary: dict[str, object], *,
         can_switch: bool, lang: str = "en", runbook: bool = False) -> str:
    """The main page: cascade tree, search, the chair's screen, alarms, rooms, readiness."""
    t = labels(lang)
    rows = summary["provinces"]
    assert isinstance(rows, list)
    tree = "".join(
        f'<details class="province" data-pid="{escape(str(r["id"]))}">'
        f'<summary><span class="pname">{escape(str(r["name"]))}</span> '
        f'<span class="pid">{escape(str(r["id"]))}</span> {_count(r, t)}</summary>'
        f'<div class="mcus">…</div></details>' for r in rows)
    role = role_name(operator.role.value, lang)
    scope = (f" · {escape(t['area'])} {escape(operator.scope)}" if operator.scope
             else f" · {escape(t['all_areas'])}")
    meta = (f'<meta name="csrf" content="{escape(csrf)}">'
            f'<meta name="can-switch" content="{"yes" if can_switch else "no"}">'
            f'<meta name="i18n" content="{escape(json.dumps(t, ensure_ascii=False))}">')
    show_panel = ("" if not can_switch else f"""
<section id="chair-panel"><h2>{escape(t['chair_screen'])}</h2>
<div id="chair"><p id="chair-site">—</p><p id="countdown" aria-live="polite"></p>
<p id="chair-status"></p><table id="trace"></table></div></section>""")
    runbook_panel = ("" if not runbook else f"""
<section id="runbook-panel"><h2>{escape(t['runbook'])}</h2><p id="runbook-status"></p>
<table id="runbook"></table><p id="runbook-error" role="alert"></p>
<p><a id="report-link" hidden href="/report?lang={lang}" target="_blank" rel="noopener">
{escape(t['quality_report'])}</a></p>
</section>""")
    return _page(lang, t["title"], f"""
<header><h1>{escape(t['title'])}</h1><span class="net">{escape(str(summary["network"]))}</span>
<span class="who" id="who">{escape(operator.name)} ({escape(role)}{scope})</span>
{_langs('/')}
<form method="post" action="/logout"><input type="hidden" name="csrf" value="{escape(csrf)}">
<button id="logout">{escape(t['log_out'])}</button></form></header>
<main class="grid">
<section id="tree-panel"><h2>{escape(t['cascade'])}</h2>
<p class="master">{escape(t['master'])} <b>{escape(str(summary["master"]))}</b> ·
{escape(t['chair'])} <b>{escape(str(summary["chair"]))}</b></p>
<div id="tree">{tree}</div></section>
<section id="side">
<section id="search-panel"><h2>{escape(t['find'])}</h2>
<input id="q" type="search" placeholder="{escape(t['find_hint'])}" autocomplete="off">
<ul id="results"></ul><p id="error" role="alert"></p></section>{show_panel}
<section id="feed-panel"><h2>{escape(t['alarms'])}</h2><ul id="feed"></ul></section>
<section id="rooms-panel"><h2>{escape(t['rooms'])}</h2><ul id="rooms"></ul>
<p id="preset-status" role="status"></p></section>
{runbook_panel}
<section id="readiness-panel"><h2>{escape(t['readiness'])}</h2>
<button id="run-readiness">{escape(t['check_readiness'])}</button>
<span id="readiness-summary"></span>
<p class="downloads">{escape(t['summary_form'])}: <a href="/readiness.csv?lang=vi">CSV (vi)</a> ·
<a href="/readiness.csv?lang=en">CSV (en)</a> · <a href="/readiness.json?lang={lang}">JSON</a></p>
<table id="readiness"></table></section>
</section></main>
<script src="/static/console.js"></script>""", meta)
