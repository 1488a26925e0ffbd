// journeyq's dashboard: counts, throughput, dead letters, search, timelines, pause and redrive.
// Everything from the API is put on the page as text (textContent, attributes), never as markup.
"use strict";

const state = { key: sessionStorage.getItem("journeyq.key"), role: null, name: null, selected: null, deadAfter: null, timer: null, detailTimer: null };
const states = ["queued", "claimed", "sending", "accepted", "unknown", "confirmed", "unverifiable", "dead", "expired"];
const numbers = new Intl.NumberFormat();
const $ = (id) => document.getElementById(id);

function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "text") node.textContent = String(value);
    else if (name === "onclick") node.addEventListener("click", value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

function svg(tag, attributes, ...children) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (name === "text") node.textContent = String(value); else node.setAttribute(name, String(value));
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

/// A time in the viewer's zone with its UTC offset shown.
function when(value) {
  if (value === undefined || value === null) return "";
  const date = typeof value === "number" ? new Date(value) : new Date(value);
  if (isNaN(date.getTime()) || date.getFullYear() > 9000) return "until resumed";
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  const hours = String(Math.floor(Math.abs(offset) / 60)).padStart(2, "0");
  const minutes = String(Math.abs(offset) % 60).padStart(2, "0");
  return date.toLocaleString(undefined, { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit" })
    + " (UTC" + sign + hours + ":" + minutes + ")";
}

function age(iso) {
  if (!iso) return "none waiting";
  const seconds = Math.max(0, (Date.now() - new Date(iso).getTime()) / 1000);
  if (seconds < 90) return Math.round(seconds) + " s";
  if (seconds < 5400) return Math.round(seconds / 60) + " min";
  return (seconds / 3600).toFixed(1) + " h";
}

async function api(path, options) {
  const response = await fetch(path, Object.assign({ headers: { "Authorization": "Bearer " + state.key, "Content-Type": "application/json" } }, options || {}));
  if (response.status === 401) { signOut(); throw new Error("signed out"); }
  const body = response.headers.get("Content-Type") && response.headers.get("Content-Type").includes("json") ? await response.json() : await response.text();
  if (!response.ok) throw new Error((body && body.detail) || ("HTTP " + response.status));
  return body;
}

function signOut() {
  sessionStorage.removeItem("journeyq.key");
  state.key = null;
  clearInterval(state.timer);
  clearInterval(state.detailTimer);
  $("app").hidden = true;
  $("signout").hidden = true;
  $("signin").hidden = false;
  $("who").textContent = "";
}

async function signIn(key) {
  state.key = key;
  try {
    const me = await api("/v1/whoami");
    state.role = me.role;
    state.name = me.name;
  } catch (error) {
    sessionStorage.removeItem("journeyq.key");
    state.key = null;
    $("signin").hidden = false;
    $("signin-error").textContent = "That key was not accepted.";
    return;
  }
  if (state.role === "ingest") {
    $("signin-error").textContent = "An ingest key can only enqueue; sign in with a read or operate key.";
    state.key = null;
    return;
  }
  sessionStorage.setItem("journeyq.key", key);
  $("signin").hidden = true;
  $("app").hidden = false;
  $("signout").hidden = false;
  $("who").textContent = state.name + " · " + state.role;
  await refresh();
  state.timer = setInterval(refresh, 3000);
}

const canOperate = () => state.role === "operate";

async function refresh() {
  let destinations;
  try { destinations = await api("/v1/destinations"); } catch (error) { $("updated").textContent = "update failed: " + error.message; return; }
  $("updated").textContent = "updated " + when(Date.now());
  const cards = destinations.map(card);
  $("destinations").replaceChildren(...cards);
  if (!state.selected && destinations.length > 0) select(destinations[0].name);
  loadWebhooks();
}

// The webhook endpoints: what each has taken, what waits for it and since when; an operator redelivers a parked one.
async function loadWebhooks() {
  let hooks;
  try { hooks = await api("/v1/webhooks"); } catch (error) { return; }
  const live = hooks.filter((hook) => !hook.retired);
  $("webhooks-panel").hidden = live.length === 0;
  const rows = live.map((hook) => {
    const cells = [hook.name, hook.url || "", hook.status, numbers.format(hook.delivered), numbers.format(hook.undelivered),
      hook.oldestUndeliveredAt ? age(hook.oldestUndeliveredAt) : "—", hook.lastError ? hook.lastError + (hook.failingSince ? " (since " + when(hook.failingSince) + ")" : "") : ""];
    return cells;
  });
  const headers = ["endpoint", "url", "status", "delivered", "waiting", "oldest waiting", "last failure"];
  if (canOperate() && live.some((hook) => hook.status !== "delivering")) headers.push("");
  const view = table(headers, rows, [3, 4]);
  const body = view.querySelector("tbody") || view;
  live.forEach((hook, index) => {
    const row = body.children[index];
    if (!row) return;
    row.setAttribute("data-webhook", hook.name);
    row.setAttribute("data-status", hook.status);
    if (canOperate() && hook.status !== "delivering") {
      row.append(el("td", {}, el("button", { class: "danger", "data-action": "redeliver", onclick: () => redeliver(hook.name), text: "Redeliver" })));
    }
  });
  $("webhooks").replaceChildren(view);
}

async function redeliver(name) {
  if (!confirm("Redeliver to " + name + "? Every event waiting for it is sent again now.")) return;
  try {
    const done = await api("/v1/webhooks/" + encodeURIComponent(name) + "/redeliver", { method: "POST", body: "{}" });
    alert(numbers.format(done.undelivered) + " events are due for " + name + " now.");
  } catch (error) { alert(error.message); }
  loadWebhooks();
}

function card(destination) {
  const total = states.reduce((sum, name) => sum + (destination.counts[name] || 0), 0);
  let badge;
  if (destination.pause) badge = el("span", { class: "badge paused", text: "paused" });
  else if (destination.health) badge = el("span", { class: "badge held", text: "held" });
  else if (destination.looks) badge = el("span", { class: "badge held", "data-looks": "held", text: "looks held" });
  else badge = el("span", { class: "badge running", text: "running" });
  const counts = el("dl", { class: "counts" });
  for (const name of states) counts.append(el("dt", { text: name }), el("dd", { "data-state": name, text: numbers.format(destination.counts[name] || 0) }));
  counts.append(el("dt", { text: "total" }), el("dd", { text: numbers.format(total) }));
  const notes = [];
  if (destination.pause) notes.push(el("p", { class: "note", text: "Paused " + (destination.pause.until > 9e15 ? "until resumed" : "until " + when(destination.pause.until)) + ": " + destination.pause.reason }));
  if (destination.health) notes.push(el("p", { class: "note", text: destination.health.reason + (destination.health.since ? " — since " + when(destination.health.since) : "") }));
  if (destination.looks) notes.push(el("p", { class: "note", "data-note": "looks", text: "Looks held: the look endpoints fail (" + destination.looks.reason + ")"
    + (destination.looks.since ? " since " + when(destination.looks.since) : "") + "; submissions go on and nobody loses a look" }));
  if (destination.callsPer100Contacts && destination.callsPer100Contacts.all !== undefined) {
    notes.push(el("p", { class: "note", "data-note": "calls", text: "API calls: " + destination.callsPer100Contacts.all.toFixed(2) + " per 100 contacts" }));
  }
  notes.push(el("p", { class: "note", text: "Oldest waiting: " + age(destination.oldestQueuedAt) }));
  if (destination.waitingForWindow > 0) {
    notes.push(el("p", { class: "note", "data-note": "window", text: "Waiting for the send window: " + numbers.format(destination.waitingForWindow)
      + (destination.nextWindowOpening ? ", next opening " + when(destination.nextWindowOpening) : "") }));
  }
  if (destination.counts && destination.counts.expired > 0) {
    notes.push(el("p", { class: "note", "data-note": "expired", text: "Expired (notAfter passed, never sent): " + numbers.format(destination.counts.expired) }));
  }
  const actions = el("div", { class: "actions" });
  if (canOperate()) {
    if (destination.pause) actions.append(el("button", { class: "quiet", "data-action": "resume", onclick: (event) => { event.stopPropagation(); operate(destination.name, "resume"); }, text: "Resume" }));
    else actions.append(el("button", { class: "quiet", "data-action": "pause", onclick: (event) => { event.stopPropagation(); operate(destination.name, "pause"); }, text: "Pause" }));
    if ((destination.counts.dead || 0) > 0) actions.append(el("button", { class: "danger", "data-action": "redrive", onclick: (event) => { event.stopPropagation(); redrive(destination.name, null); }, text: "Redrive dead" }));
  }
  return el("article", { class: "card" + (state.selected === destination.name ? " selected" : ""), "data-destination": destination.name, onclick: () => select(destination.name) },
    el("h3", {}, el("span", { text: destination.name }), badge), el("div", { class: "kind", text: destination.kind || "" }), counts, ...notes, actions);
}

async function operate(name, action) {
  if (action === "pause" && !confirm("Pause " + name + "? No request will be sent to it until it is resumed.")) return;
  try { await api("/v1/destinations/" + encodeURIComponent(name) + "/" + action, { method: "POST", body: "{}" }); } catch (error) { alert(error.message); }
  refresh();
}

async function redrive(name, reason) {
  const what = reason ? "dead letters of " + name + " whose reason contains \u201c" + reason + "\u201d" : "every dead letter of " + name;
  if (!confirm("Redrive " + what + "? Those whose last request may have been taken are looked for before anything is sent again.")) return;
  try {
    const moved = await api("/v1/destinations/" + encodeURIComponent(name) + "/redrive", { method: "POST", body: JSON.stringify(reason ? { reason } : {}) });
    alert("Back in the queue: " + numbers.format(moved.queued) + "; to be looked for first: " + numbers.format(moved.toLookFor) + ".");
  } catch (error) { alert(error.message); }
  refresh();
  loadDead(true);
}

function select(name) {
  state.selected = name;
  for (const node of document.querySelectorAll(".card")) node.classList.toggle("selected", node.getAttribute("data-destination") === name);
  $("detail-panel").hidden = false;
  $("dead-panel").hidden = false;
  $("detail-title").textContent = name;
  $("dead-title").textContent = "Dead letters of " + name;
  loadDetail();
  loadDead(true);
  clearInterval(state.detailTimer);
  state.detailTimer = setInterval(loadDetail, 10000);
}

async function loadDetail() {
  const name = state.selected;
  let detail;
  try { detail = await api("/v1/destinations/" + encodeURIComponent(name)); } catch (error) { $("detail").replaceChildren(el("p", { class: "error", text: error.message })); return; }
  if (name !== state.selected) return;
  const report = detail.report;
  const facts = el("div", { class: "facts" },
    fact("requests", numbers.format(report.requests)), fact("answered 429", numbers.format(report.throttled)),
    fact("reconciliation looks", numbers.format(report.looks)), fact("possible duplicates", numbers.format(report.possibleDuplicates)),
    fact("retries", numbers.format(report.retries)),
    fact("expired", numbers.format((report.counts && report.counts.expired) || 0)),
    fact("waiting for the send window", numbers.format(report.waitingForWindow || 0)
      + (report.nextWindowOpening ? " · opens " + when(report.nextWindowOpening) : "")),
    fact("latency p50 / p95 / p99", report.latency ? report.latency.p50 + " / " + report.latency.p95 + " / " + report.latency.p99 + " ms" : "—"));
  const reasons = el("div");
  for (const [title, map] of [["Unverifiable, by reason", report.unverifiableReasons], ["Dead, by reason", report.deadReasons]]) {
    const entries = Object.entries(map || {}).sort((a, b) => b[1] - a[1]).slice(0, 8);
    if (entries.length === 0) continue;
    reasons.append(el("h3", { text: title }), table(["count", "reason"], entries.map(([reason, count]) => [numbers.format(count), reason]), [0]));
  }
  $("detail").replaceChildren(facts, el("div", { class: "charts" }, funnel(report.funnel), throughput(report)), reasons);
}

function fact(label, value) { return el("div", {}, el("b", { text: value }), label); }

function funnel(f) {
  const steps = [["enqueued", f.enqueued], ["submitted", f.submitted], ["accepted", f.accepted], ["confirmed", f.confirmed], ["unverifiable", f.unverifiable], ["dead", f.dead]];
  const max = Math.max(1, ...steps.map((s) => s[1]));
  const chart = svg("svg", { viewBox: "0 0 320 " + (steps.length * 26 + 20), width: "100%", role: "img", "aria-label": "funnel" });
  chart.append(svg("text", { x: 0, y: 12, text: "Funnel" }));
  steps.forEach(([label, value], index) => {
    const y = 20 + index * 26;
    chart.append(svg("text", { x: 0, y: y + 14, text: label }),
      svg("rect", { x: 90, y, width: Math.max(1, 180 * value / max), height: 18, fill: index === 5 ? "#b3261e" : index === 4 ? "#8a5a00" : "#2459a6", rx: 2 }),
      svg("text", { x: 95 + 180 * value / max, y: y + 14, text: numbers.format(value) }));
  });
  return el("div", {}, chart);
}

function throughput(report) {
  const hourAgo = Date.now() - 3600 * 1000;
  const buckets = (report.throughput || []).filter((b) => b.minute >= hourAgo);
  const chart = svg("svg", { viewBox: "0 0 320 170", width: "100%", role: "img", "aria-label": "throughput over the last hour" });
  chart.append(svg("text", { x: 0, y: 12, text: "Settled in the last hour (per " + Math.round(report.bucketMillis / 1000) + " s)" }));
  if (buckets.length === 0) { chart.append(svg("text", { x: 0, y: 40, text: "nothing settled in the last hour" })); return el("div", {}, chart); }
  const max = Math.max(1, ...buckets.map((b) => b.confirmed + b.unverifiable + b.dead));
  const width = 300 / Math.max(buckets.length, 1);
  buckets.forEach((b, index) => {
    let y = 150;
    for (const [value, color] of [[b.confirmed, "#1f7a3f"], [b.unverifiable, "#8a5a00"], [b.dead, "#b3261e"]]) {
      const height = 125 * value / max;
      y -= height;
      chart.append(svg("rect", { x: 10 + index * width, y, width: Math.max(1, width - 1), height, fill: color }));
    }
  });
  chart.append(svg("text", { x: 10, y: 166, text: new Date(buckets[0].minute).toLocaleTimeString() }),
    svg("text", { x: 230, y: 166, text: new Date(buckets[buckets.length - 1].minute).toLocaleTimeString() }),
    svg("text", { x: 250, y: 30, text: "max " + numbers.format(max) }));
  return el("div", {}, chart);
}

function table(headers, rows, numeric) {
  const head = el("tr", {}, ...headers.map((h, i) => el("th", { class: (numeric || []).includes(i) ? "num" : null, text: h })));
  const body = rows.map((row) => el("tr", {}, ...row.map((cell, i) => cell instanceof Node ? el("td", { class: "wrap" }, cell)
    : el("td", { class: (numeric || []).includes(i) ? "num" : "wrap", text: cell === undefined || cell === null ? "" : cell }))));
  return el("div", { class: "table-wrap" }, el("table", {}, el("thead", {}, head), el("tbody", {}, ...body)));
}

async function loadDead(reset) {
  const name = state.selected;
  if (!name) return;
  if (reset) { state.deadAfter = null; $("dead").replaceChildren(); }
  const reason = $("dead-reason").value.trim();
  const query = new URLSearchParams({ limit: "50" });
  if (reason) query.set("reason", reason);
  if (state.deadAfter) query.set("after", String(state.deadAfter));
  let page;
  try { page = await api("/v1/destinations/" + encodeURIComponent(name) + "/dead?" + query.toString()); } catch (error) { $("dead").replaceChildren(el("p", { class: "error", text: error.message })); return; }
  const rows = page.items.map((item) => [keyLink(item.contactKey), item.reason, item.lastError || "", numbers.format(item.attempts), when(item.updatedAt)]);
  if (reset || !$("dead").firstChild) {
    $("dead").replaceChildren(rows.length ? table(["contact", "reason", "last answer", "attempts", "died"], rows, [3]) : el("p", { class: "note", text: "No dead letters" + (reason ? " with that reason." : ".") }));
  } else {
    const tbody = $("dead").querySelector("tbody");
    for (const row of table(["", "", "", "", ""], rows, [3]).querySelectorAll("tbody tr")) tbody.append(row);
  }
  state.deadAfter = page.next || null;
  $("dead-more").hidden = !page.next;
  $("dead-redrive").hidden = !canOperate() || rows.length === 0;
}

function keyLink(key) {
  return el("a", { class: "key", "data-key": key, onclick: () => openTimeline(key), text: key });
}

async function search(event) {
  event.preventDefault();
  const text = $("search").value;
  if (!text) return;
  const query = new URLSearchParams({ q: text, prefix: $("prefix").checked ? "true" : "false", limit: "50" });
  let rows;
  try { rows = await api("/v1/contacts?" + query.toString()); } catch (error) { $("results").replaceChildren(el("p", { class: "error", text: error.message })); return; }
  $("timeline").replaceChildren();
  $("results").replaceChildren(rows.length === 0 ? el("p", { class: "note", text: "No contact with that key." })
    : table(["contact", "destination", "state", "attempts", "updated"], rows.map((r) => [keyLink(r.key), r.destination, r.state, numbers.format(r.attempts), when(r.updatedAt)]), [3]));
}

async function openTimeline(key) {
  let contacts;
  try { contacts = await api("/v1/contacts/" + encodeURIComponent(key)); } catch (error) { $("timeline").replaceChildren(el("p", { class: "error", text: error.message })); return; }
  const parts = [el("h3", { text: "Timeline of " + key })];
  for (const entry of contacts) {
    const c = entry.contact;
    parts.push(el("p", {}, el("b", { text: c.destination + ": " + c.state }),
      " — " + numbers.format(c.attempts) + " attempt(s), enqueued " + when(c.enqueuedAt) + ", last change " + when(c.updatedAt)
      + (c.lastError ? " — " + c.lastError : "")));
    parts.push(table(["time", "purpose", "request", "answer", "latency", "request body", "answer body"], entry.timeline.map((t) => [
      when(t.startedAt), t.purpose + " #" + t.attemptNumber, t.method + " " + t.url, t.status ? String(t.status) : (t.errorClass || "no answer"),
      t.latencyMillis === undefined ? "" : t.latencyMillis + " ms", body(t.requestBody), body(t.responseBody || "")]), []));
  }
  $("timeline").replaceChildren(...parts);
  $("timeline").scrollIntoView({ behavior: "smooth", block: "nearest" });
}

function body(text) {
  if (!text) return "";
  return el("details", {}, el("summary", { text: text.length > 60 ? text.slice(0, 60) + "…" : text }), el("pre", { text }));
}

document.addEventListener("DOMContentLoaded", () => {
  $("signin-form").addEventListener("submit", (event) => { event.preventDefault(); $("signin-error").textContent = ""; signIn($("key").value.trim()); $("key").value = ""; });
  $("signout").addEventListener("click", signOut);
  $("search-form").addEventListener("submit", search);
  $("dead-form").addEventListener("submit", (event) => { event.preventDefault(); loadDead(true); });
  $("dead-more").addEventListener("click", () => loadDead(false));
  $("dead-redrive").addEventListener("click", () => redrive(state.selected, $("dead-reason").value.trim() || null));
  if (state.key) signIn(state.key); else $("signin").hidden = false;
});
