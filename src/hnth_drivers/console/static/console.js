// HNTH operator console: tree, search, "show on the chair's screen", alarm feed.
// Plain JavaScript, no build step. Every value is inserted with textContent.
"use strict";
(function () {
  const csrf = document.querySelector('meta[name="csrf"]').content;
  const canSwitch = document.querySelector('meta[name="can-switch"]').content === "yes";
  const tr = JSON.parse(document.querySelector('meta[name="i18n"]').content);  // the words
  const LIMIT_S = 30;
  let switching = false;

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v; else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v);
    }
    for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return node;
  }
  function requestId() {
    const a = new Uint8Array(16); crypto.getRandomValues(a);
    return Array.from(a, (b) => b.toString(16).padStart(2, "0")).join("");
  }
  async function getJson(url) {
    const r = await fetch(url, { credentials: "same-origin" });
    const data = await r.json();
    if (!r.ok) throw new Error(data.error || r.statusText);
    return data;
  }
  function showError(message) { document.getElementById("error").textContent = message; }

  // ---- the chair's screen -------------------------------------------------------------
  function renderTrace(t) {
    const table = document.getElementById("trace");
    table.replaceChildren(el("tr", {}, el("th", {}, tr.th_phase), el("th", {}, tr.th_mcu),
      el("th", {}, tr.th_call), el("th", {}, tr.th_at), el("th", {}, tr.th_ms), el("th", {}, tr.th_result)));
    for (const [phase, calls] of [[tr.phase_act, t.actions], [tr.phase_confirm, t.confirmations]]) {
      for (const c of calls) {
        table.append(el("tr", {}, el("td", {}, phase), el("td", {}, c.mcu),
          el("td", {}, el("span", { class: "raw" }, c.operation + " " + c.detail)), el("td", {}, Math.round(c.started_ms)),
          el("td", {}, Math.round(c.ms)), el("td", { class: c.error ? "bad" : "ok" },
            c.error ? el("span", { class: "raw" }, c.error) : tr.call_ok)));
      }
    }
  }
  function showConfirmed(t) {
    const box = document.getElementById("chair");
    if (!box) return;
    box.className = t.confirmed ? "confirmed" : "failed";
    document.getElementById("chair-site").textContent = t.name + " (" + t.site + ")";
    const status = document.getElementById("chair-status");
    if (t.confirmed) {
      status.textContent = tr.confirmed + " " + (t.total_ms / 1000).toFixed(2) + " " + tr.seconds + " (" +
        t.hops + " " + (t.hops === 1 ? tr.hop : tr.hops) + ": " + t.path.join(" → ") + ")";
    } else if (t.verdict === "SUPERSEDED") {
      status.textContent = tr.superseded.replace("{site}", t.superseded_by);
    } else {  // the switch's own reason (the MCUs' words), as received
      status.replaceChildren(tr.not_confirmed, el("span", { class: "raw" }, t.reason || ""));
    }
    renderTrace(t);
  }
  async function show(site, name) {
    if (switching) return;
    switching = true;
    showError("");
    const box = document.getElementById("chair");
    box.className = "pending";
    document.getElementById("chair-site").textContent = name + " (" + site + ")";
    document.getElementById("chair-status").textContent = tr.switching;
    document.getElementById("trace").replaceChildren();
    const countdown = document.getElementById("countdown");
    const t0 = performance.now();
    const tick = () => {
      const left = Math.max(0, LIMIT_S - (performance.now() - t0) / 1000);
      countdown.textContent = left.toFixed(1) + " " + tr.left;
    };
    tick();
    const timer = setInterval(tick, 100);
    try {
      const r = await fetch("/api/switch", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, "X-Request-Id": requestId() },
        body: JSON.stringify({ site: site }),
      });
      const data = await r.json();
      if (!r.ok) {
        box.className = "failed";
        document.getElementById("chair-status").textContent = data.error;
        showError(data.error);
      } else {
        showConfirmed(data);
        box.dataset.ms = (performance.now() - t0).toFixed(1);  // click to confirmed, shown
      }
    } catch (e) {
      box.className = "failed";
      document.getElementById("chair-status").textContent = tr.no_answer + e.message;
    } finally {
      clearInterval(timer);
      tick();
      switching = false;
    }
  }
  function showButton(site) {
    return el("button", { class: "show", "data-site": site.id, onclick: () => show(site.id, site.name) },
      tr.show);
  }

  // ---- tree ---------------------------------------------------------------------------
  async function loadProvince(details) {
    const box = details.querySelector(".mcus");
    try {
      const p = await getJson("/api/province/" + encodeURIComponent(details.dataset.pid));
      const frag = document.createDocumentFragment();
      for (const m of p.mcus) {
        const mcu = el("div", { class: "mcu" + (m.down ? " down" : "") },
          el("span", { class: "mname" }, "MCU " + m.id + (m.parent ? " ↑ " + m.parent : "") + (m.down ? " — " + tr.mcu_down : "")));
        for (const s of m.sites) {
          const row = el("div", { class: "site", "data-site": s.id },
            el("span", { class: s.state }, "● "), s.name + " ", el("span", { class: "pid" }, s.id));
          if (canSwitch && s.can_switch) row.append(showButton(s));
          mcu.append(row);
        }
        frag.append(mcu);
      }
      box.replaceChildren(frag);
    } catch (e) {
      box.textContent = e.message;
    }
  }
  for (const d of document.querySelectorAll("details.province")) {
    d.addEventListener("toggle", () => { if (d.open) loadProvince(d); });
  }
  let refreshing = false;
  async function refreshTree() {
    if (refreshing) return;
    refreshing = true;
    try {
      const t = await getJson("/api/tree");
      for (const row of t.provinces) {
        const d = document.querySelector('details.province[data-pid="' + CSS.escape(row.id) + '"]');
        if (!d) continue;
        const counts = d.querySelector(".counts");
        counts.replaceChildren(el("b", { class: "ok" }, row.connected), " / " + row.sites + " " + tr.connected);
        if (row.disconnected) counts.append(" · ", el("b", { class: "bad" }, row.disconnected + " " + tr.down));
        if (d.open) loadProvince(d);
      }
      if (t.shown && !switching && document.getElementById("chair")) showConfirmed(t.shown);
    } catch (e) { /* the next states event retries */ } finally { refreshing = false; }
  }

  // ---- search -------------------------------------------------------------------------
  let searchTimer = null;
  const q = document.getElementById("q");
  q.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(async () => {
      const list = document.getElementById("results");
      if (!q.value.trim()) { list.replaceChildren(); return; }
      try {
        const r = await getJson("/api/search?q=" + encodeURIComponent(q.value));
        list.replaceChildren(...r.sites.map((s) => {
          const li = el("li", { "data-site": s.id }, el("span", { class: s.state }, "● "),
            s.name + " ", el("span", { class: "pid" }, s.id + " · " + s.province));
          if (canSwitch && s.can_switch) li.append(showButton(s));
          return li;
        }));
        if (!r.sites.length) list.append(el("li", {}, tr.no_site));
      } catch (e) { showError(e.message); }
    }, 150);
  });

  // ---- rooms and camera presets -------------------------------------------------------
  async function recall(site, camera, preset) {
    const status = document.getElementById("preset-status");
    status.textContent = site + " " + tr.camera + " " + camera + ": " + preset + "…";
    try {
      const r = await fetch("/api/preset", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, "X-Request-Id": requestId() },
        body: JSON.stringify({ site: site, camera: camera, preset: preset }),
      });
      const data = await r.json();
      if (!r.ok) throw new Error(data.error);
      status.textContent = site + " " + tr.camera + " " + camera + ": " +
        tr.recalled.replace("{p}", preset).replace("{ms}", Math.round(data.ms));
      status.className = "ok";
    } catch (e) { status.textContent = e.message; status.className = "bad"; }
  }
  (async () => {
    try {
      const r = await getJson("/api/rooms");
      const list = document.getElementById("rooms");
      for (const room of r.rooms) {
        const li = el("li", { "data-site": room.site }, room.name + " ", el("span", { class: "pid" }, room.site));
        for (const cam of room.cameras) {
          const line = el("div", { class: "camera" }, tr.camera + " " + cam.camera + ": ");
          for (const p of cam.presets) {
            if (room.can_control) {
              line.append(el("button", { class: "preset raw", "data-preset": p, onclick: () => recall(room.site, cam.camera, p) }, p), " ");
            } else { line.append(el("span", { class: "raw" }, p), " "); }  // the network file's names
          }
          li.append(line);
        }
        list.append(li);
      }
      if (!r.rooms.length) list.append(el("li", {}, tr.no_rooms));
    } catch (e) { showError(e.message); }
  })();

  // ---- runbook ------------------------------------------------------------------------
  async function confirmStep(step, button) {
    const error = document.getElementById("runbook-error");
    button.disabled = true;
    error.textContent = "";
    try {
      const r = await fetch("/api/runbook/confirm", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, "X-Request-Id": requestId() },
        body: JSON.stringify({ step: step }),
      });
      const data = await r.json();
      if (!r.ok) throw new Error(data.error);
    } catch (e) { error.textContent = e.message; button.disabled = false; }
    refreshRunbook();
  }
  function stepAction(r, s) {
    if (s.confirmed_by) return el("span", { class: "confirmed-by" }, tr.confirmed_by.replace("{by}", s.confirmed_by));
    if (s.asking && r.can_confirm) {
      return el("button", { class: "confirm-step", "data-step": s.name,
        onclick: (ev) => confirmStep(s.name, ev.target) }, tr.confirm_step);
    }
    return "";
  }
  async function refreshRunbook() {
    const table = document.getElementById("runbook");
    if (!table) return;
    try {
      const r = await getJson("/api/runbook");
      const link = document.getElementById("report-link");
      if (link) link.hidden = !r.can_report;
      document.getElementById("runbook-status").textContent = r.meeting + " (" +
        (tr["kind_" + r.kind] || r.kind) + "): " + (tr["run_" + r.status] || r.status);
      table.replaceChildren(el("tr", {}, el("th", {}, tr.step), el("th", {}, tr.status),
        el("th", {}, tr.deadline), el("th", {}, tr.verdict), el("th", {}, "")),
        ...r.steps.map((s) => el("tr", { "data-step": s.name, "data-status": s.status, class: "verdict-" + s.verdict },
          el("td", {}, tr["step_" + s.name] || s.name, " ", el("span", { class: "pid" }, s.name)),
          el("td", {}, tr["st_" + s.status] || s.status, s.error ? el("span", { class: "raw" }, " — " + s.error) : ""),
          el("td", {}, s.deadline ? s.deadline.replace("T", " ") : "—"), el("td", { class: "verdict" }, tr["v_" + s.verdict] || s.verdict),
          el("td", {}, stepAction(r, s)))));
    } catch (e) { document.getElementById("runbook-status").textContent = e.message; }
  }
  refreshRunbook();
  setInterval(refreshRunbook, 5000);

  // ---- readiness ----------------------------------------------------------------------
  document.getElementById("run-readiness").addEventListener("click", async (ev) => {
    const button = ev.target;
    const summary = document.getElementById("readiness-summary");
    button.disabled = true;
    summary.textContent = tr.checking;
    try {
      const r = await fetch("/api/readiness", {
        method: "POST", credentials: "same-origin",
        headers: { "X-CSRF-Token": csrf, "X-Request-Id": requestId() },
      });
      const data = await r.json();
      if (!r.ok) throw new Error(data.error);
      summary.textContent = (data.ready ? tr.all_ready : tr.not_all_ready) + ": " + data.counts.ready + " " +
        tr.n_ready + ", " + data.counts.degraded + " " + tr.n_degraded + ", " + data.counts.not_ready + " " +
        tr.n_not_ready + " " + tr.of_sites.replace("{n}", data.sites) + " (" + data.duration_s.toFixed(1) + " s)";
      summary.className = data.ready ? "ok" : "bad";
      const table = document.getElementById("readiness");
      table.replaceChildren(...data.problems.map((p) => el("tr", { "data-site": p.site },
        el("td", {}, p.site), el("td", {}, p.name), el("td", { class: p.status === "not_ready" ? "bad" : "" }, p.status_label),
        el("td", {}, p.problems.map((c) => tr["pr_" + c] || c).join(", ")),
        el("td", {}, el("span", { class: "raw" }, p.detail)))));
      if (data.more) table.append(el("tr", {}, el("td", { colspan: "5" }, "… " + data.more + " " + tr.more)));
    } catch (e) {
      summary.textContent = e.message;
      summary.className = "bad";
    } finally { button.disabled = false; }
  });

  // ---- alarm feed ---------------------------------------------------------------------
  const feed = document.getElementById("feed");
  const events = new EventSource("/events");
  events.addEventListener("alarm", (m) => {
    const a = JSON.parse(m.data);
    const what = a.participant ? a.mcu + "/" + a.participant + (a.name ? " (" + a.name + ")" : "") : a.mcu;
    feed.prepend(el("li", { class: a.event, "data-event": a.event, "data-target": a.participant || a.mcu },
      a.at + " " + (tr["ev_" + a.event] || a.event) + " " + what,
      a.detail ? el("span", { class: "raw" }, " — " + a.detail) : ""));
    while (feed.children.length > 200) feed.lastChild.remove();
  });
  let statesTimer = null;
  events.addEventListener("states", () => {
    if (statesTimer) return;
    statesTimer = setTimeout(() => { statesTimer = null; refreshTree(); }, 500);
  });
  events.addEventListener("runbook", () => refreshRunbook());
  events.addEventListener("shown", (m) => {
    if (!switching && document.getElementById("chair")) showConfirmed(JSON.parse(m.data).shown);
  });
  window.addEventListener("beforeunload", () => events.close());
})();
