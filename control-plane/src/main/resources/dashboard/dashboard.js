// Outpost dashboard: polls the control plane's JSON API (GET /api/v1/nodes, /purges, /pushes, /route) with the
// operator's token as a bearer header and redraws. No library, no inline script (the page's CSP forbids it), and
// every value from the API reaches the page through textContent or an attribute, never as markup.
"use strict";

(() => {
  const TOKEN_KEY = "outpost.dashboard.token";
  const POLL_MILLIS = 2000;
  const WINDOW_MILLIS = 5 * 60 * 1000;
  const ENTRIES_SHOWN = 6;
  const LISTING_LIMIT = 50;
  const SVG = "http://www.w3.org/2000/svg";
  // delivery states that will not reach the edge by themselves (dead_lettered: bounded delivery retries, issue 17)
  const DEAD_STATES = new Set(["failed", "expired", "dead_lettered"]);

  const $ = (id) => document.getElementById(id);
  const seenByEdge = new Map(); // edge id -> {last: {at, requests, hits}, samples: [{at, requests, hits, rps}]}
  let timer = null;

  /** A refusal of the API, with its JSON error code and message. */
  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  async function api(path) {
    const response = await fetch(path, {
      headers: { Authorization: "Bearer " + sessionStorage.getItem(TOKEN_KEY), Accept: "application/json" },
      cache: "no-store",
      credentials: "omit",
    });
    const text = await response.text();
    let body = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch (e) {
      throw new ApiError(response.status, "not_json", path + " answered " + response.status + " without JSON");
    }
    if (!response.ok) {
      const error = body || {};
      throw new ApiError(response.status, error.error || "http_" + response.status,
        error.message || path + " answered " + response.status);
    }
    return body;
  }

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      node.setAttribute(name, value);
    }
    for (const child of children) {
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  function svg(tag, attributes) {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attributes)) {
      node.setAttribute(name, value);
    }
    return node;
  }

  const time = (iso) => new Date(iso).toLocaleTimeString([], { hour12: false });
  const percent = (ratio) => (ratio * 100).toFixed(1) + " %";
  const perSecond = (rps) => rps < 10 ? rps.toFixed(2) : rps.toFixed(1);
  const millis = (ms) => ms < 1000 ? Math.round(ms) + " ms" : (ms / 1000).toFixed(2) + " s";

  function bytes(n) {
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let unit = 0;
    while (n >= 1024 && unit < units.length - 1) {
      n /= 1024;
      unit++;
    }
    return (unit === 0 ? n : n.toFixed(1)) + " " + units[unit];
  }

  function health(node) {
    if (node.fenced) return "fenced";
    if (!node.healthy) return "down";
    if (!node.caughtUp) return "catching-up";
    return "healthy";
  }

  /**
   * Requests/s and hit ratio from successive heartbeats: a node reports its requests and hit ratio since it
   * started, so the difference between two heartbeats is what happened in between. A counter that went down is a
   * restarted node: its history starts again.
   */
  function observe(node, now) {
    const at = Date.parse(node.lastHeartbeat);
    const hits = Math.round(node.requests * node.hitRatio);
    let seen = seenByEdge.get(node.id);
    if (!seen || node.requests < seen.last.requests) {
      seen = { last: { at, requests: node.requests, hits }, samples: [] };
      seenByEdge.set(node.id, seen);
    } else if (at > seen.last.at) {
      const seconds = (at - seen.last.at) / 1000;
      const requests = node.requests - seen.last.requests;
      seen.samples.push({ at, requests, hits: hits - seen.last.hits, rps: requests / seconds });
      seen.last = { at, requests: node.requests, hits };
    }
    seen.samples = seen.samples.filter((s) => now - s.at <= WINDOW_MILLIS);
    const latest = seen.samples[seen.samples.length - 1];
    const requests = seen.samples.reduce((sum, s) => sum + s.requests, 0);
    const windowHits = seen.samples.reduce((sum, s) => sum + s.hits, 0);
    return {
      rps: latest ? latest.rps : null,
      hitRatio: requests > 0 ? windowHits / requests : null,
      samples: seen.samples,
    };
  }

  function trend(samples, now) {
    const width = 160;
    const height = 28;
    const peak = Math.max(1, ...samples.map((s) => s.rps));
    const chart = svg("svg", {
      class: "trend", width, height, viewBox: `0 0 ${width} ${height}`, role: "img",
      "aria-label": samples.length ? `peak ${perSecond(peak)} requests/s in the last minutes` : "no samples yet",
    });
    chart.append(svg("line", { x1: 0, y1: height - 1, x2: width, y2: height - 1 }));
    const points = samples.map((s) => {
      const x = width - ((now - s.at) / WINDOW_MILLIS) * width;
      const y = height - 2 - (s.rps / peak) * (height - 4);
      return `${Math.max(0, x).toFixed(1)},${y.toFixed(1)}`;
    });
    if (points.length) {
      chart.append(svg("polyline", { points: points.join(" ") }));
    }
    return chart;
  }

  /**
   * The delivery-service configuration version the edge runs, and whether it is the newest: an edge behind it is
   * still applying a change, or refused one (see the dead letters); "file" for an edge that takes none from here.
   */
  function configCell(n) {
    if (n.configVersion === null || n.configVersion === undefined) {
      return el("td", { class: "config", "data-config": "none", title: "runs the services of its own file" }, "file");
    }
    const current = n.configCurrent === true;
    return el("td", { class: "config " + (current ? "current" : "old"), "data-config": String(n.configVersion),
      title: current ? "runs the newest configuration" : "not the newest configuration: a change is on its way, "
        + "or the edge refused one (see dead letters)" },
      "v" + n.configVersion + (current ? " (current)" : " (old)"));
  }

  function renderNodes(nodes, now) {
    const edges = nodes.filter((n) => n.kind === "edge").sort((a, b) => a.id.localeCompare(b.id));
    const rates = new Map(edges.map((n) => [n.id, observe(n, now)]));
    const rows = edges.map((n) => {
      const rate = rates.get(n.id);
      const state = health(n);
      const ratio = rate.hitRatio !== null ? percent(rate.hitRatio)
        : n.requests > 0 ? percent(n.hitRatio) + " (since start)" : "—";
      return el("tr", { "data-edge": n.id },
        el("th", { scope: "row" }, n.id),
        el("td", {}, n.region),
        el("td", { class: "health " + state }, state.replace("-", " ")),
        el("td", { class: "num rps" }, rate.rps !== null ? perSecond(rate.rps) : "—"),
        el("td", { class: "num" }, ratio),
        el("td", {}, trend(rate.samples, now)),
        el("td", { class: "num" }, bytes(n.bytesCached)),
        configCell(n),
        el("td", { class: "num", title: "due " + n.dueSequence }, n.appliedSequence),
        el("td", {}, time(n.lastHeartbeat)));
    });
    $("edges").tBodies[0].replaceChildren(...rows);

    const regions = new Map();
    for (const n of edges) {
      if (!regions.has(n.region)) regions.set(n.region, []);
      regions.get(n.region).push(n);
    }
    const cards = [...regions.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([region, members]) => {
      const healthy = members.filter((n) => health(n) === "healthy").length;
      const rps = members.reduce((sum, n) => sum + (rates.get(n.id).rps || 0), 0);
      return el("article", { class: "region", "data-region": region, "aria-label": "region " + region },
        el("h3", {}, el("span", {}, region), el("span", {}, `${healthy}/${members.length} healthy · ${perSecond(rps)} req/s`)),
        el("ul", {}, ...members.map((n) => {
          const state = health(n);
          const rate = rates.get(n.id).rps;
          return el("li", { class: state, "data-edge": n.id },
            el("span", { class: "id" }, n.id),
            el("span", { class: "health " + state }, state.replace("-", " ")),
            " · " + (rate !== null ? perSecond(rate) + " req/s" : "—"));
        })));
    });
    $("map").replaceChildren(...(cards.length ? cards : [el("p", {}, "No edge has registered yet.")]));
    return edges.length;
  }

  function targets(entry) {
    if (entry.all) return "everything";
    const parts = [...entry.urls, ...entry.prefixes.map((p) => p + "*"), ...entry.tags.map((t) => "tag " + t),
      ...entry.hosts.map((h) => "host " + h)];
    const shown = parts.slice(0, 3).join(", ");
    return parts.length > 3 ? `${shown} and ${parts.length - 3} more` : shown;
  }

  function ackMillis(entry, edge) {
    return edge.appliedAt ? Math.max(0, Date.parse(edge.appliedAt) - Date.parse(entry.acceptedAt)) : null;
  }

  function renderEntries(entries) {
    const shown = entries.slice(0, ENTRIES_SHOWN);
    const scale = Math.max(50, ...shown.flatMap((e) => e.edges.map((d) => ackMillis(e, d) || 0)));
    const articles = shown.map((entry) => {
      const lastAck = entry.timeToLastAckMillis != null ? " · last ack after " + millis(entry.timeToLastAckMillis) : "";
      const bars = entry.edges.map((edge) => {
        const ms = ackMillis(entry, edge);
        const bar = el("span", { class: "bar " + edge.state });
        bar.style.width = (ms !== null ? Math.max(1, (ms / scale) * 100) : 100) + "%";
        const label = ms !== null ? millis(ms) : edge.state;
        return el("li", { "data-edge": edge.id, "data-state": edge.state, title: edge.detail || "" },
          el("span", {}, edge.id),
          el("span", { class: "track", role: "img", "aria-label": `${edge.id}: ${edge.state}, ${label}` }, bar),
          el("span", { class: "time" }, edge.state === "applied" ? label : label + (ms !== null ? " " + edge.state : "")));
      });
      return el("article", { class: "entry", "data-entry": entry.id, "data-status": entry.status },
        el("h3", {}, `${entry.id} ${entry.kind} · `, el("span", { class: "status-" + entry.status }, entry.status),
          ` · ${entry.edgesApplied}/${entry.edgesTotal} edges${tierLine(entry)}${lastAck}`),
        el("p", { class: "what" }, `${entry.soft ? "soft " : ""}${targets(entry)} · accepted ${time(entry.acceptedAt)}`
          + ` by ${entry.requestedBy}` + (entry.regions.length ? " · regions " + entry.regions.join(", ") : "")),
        el("ol", { class: "bars", "aria-label": "acknowledgements of " + entry.id }, ...bars));
    });
    $("entries").replaceChildren(...(articles.length ? articles : [el("p", {}, "No purge or push yet.")]));
  }

  /** With shields in scope: their progress and the other edges', and the tier the entry waits on. */
  function tierLine(entry) {
    const tiers = entry.tiers;
    if (!tiers || tiers.shield.nodes === 0) {
      return "";
    }
    const waiting = entry.waitingOn ? " · waiting on " + (entry.waitingOn === "shield" ? "shields" : "edges") : "";
    return ` (shields ${tiers.shield.applied}/${tiers.shield.nodes}, then edges ${tiers.edge.applied}/${tiers.edge.nodes})`
      + waiting;
  }

  function renderDeadLetters(entries) {
    const rows = [];
    for (const entry of entries) {
      for (const edge of entry.edges) {
        if (DEAD_STATES.has(edge.state)) {
          rows.push(el("tr", { "data-entry": entry.id, "data-edge": edge.id },
            el("td", {}, `${entry.id} (${entry.kind})`), el("td", {}, edge.id), el("td", {}, edge.state),
            el("td", {}, edge.detail || ""), el("td", {}, time(entry.acceptedAt))));
        }
      }
    }
    if (!rows.length) {
      rows.push(el("tr", {}, el("td", { colspan: 5 }, `None among the last ${entries.length} purges and pushes.`)));
    }
    $("dead-letters").tBodies[0].replaceChildren(...rows);
  }

  async function refresh() {
    // the nodes first: a refused token costs one failed authentication, not three
    const nodes = await api("/api/v1/nodes");
    const [purges, pushes] = await Promise.all([api("/api/v1/purges?limit=" + LISTING_LIMIT),
      api("/api/v1/pushes?limit=" + LISTING_LIMIT)]);
    const now = Date.now();
    const edges = renderNodes(nodes.nodes, now);
    const entries = [...purges.purges, ...pushes.pushes].sort((a, b) => b.sequence - a.sequence);
    renderEntries(entries);
    renderDeadLetters(entries);
    $("status").textContent = `Updated ${new Date(now).toLocaleTimeString([], { hour12: false })} · ${edges} edges`
      + ` · every ${POLL_MILLIS / 1000} s`;
  }

  async function poll() {
    try {
      await refresh();
    } catch (e) {
      if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
        signOut(e.message);
        return;
      }
      $("status").textContent = "Update failed: " + e.message + " (retrying)";
    }
    timer = setTimeout(poll, POLL_MILLIS);
  }

  function signOut(reason) {
    clearTimeout(timer);
    timer = null;
    sessionStorage.removeItem(TOKEN_KEY);
    seenByEdge.clear();
    $("board").hidden = true;
    $("sign-out").hidden = true;
    $("sign-in").hidden = false;
    $("sign-in-error").textContent = reason || "";
    $("status").textContent = "Not signed in";
    $("token").focus();
  }

  function signIn() {
    $("sign-in").hidden = true;
    $("board").hidden = false;
    $("sign-out").hidden = false;
    $("status").textContent = "Loading…";
    clearTimeout(timer);
    poll();
  }

  function field(name, value) {
    return [el("dt", {}, name), el("dd", {}, value === undefined || value === null || value === "" ? "—" : value)];
  }

  async function explainRoute(event) {
    event.preventDefault();
    const query = new URLSearchParams({ url: $("route-url").value.trim() });
    const client = $("route-client").value.trim();
    if (client) query.set("client", client);
    const result = $("route-result");
    try {
      const r = await api("/api/v1/route?" + query);
      const inputs = Object.entries(r.inputs || {}).map(([k, v]) => `${k}=${v}`).join(", ");
      result.replaceChildren(el("dl", { "data-chosen": r.chosen || "" },
        ...field("Chosen edge", r.chosen || "none (no eligible edge)"),
        ...field("Redirect", r.location),
        ...field("Client", r.client),
        ...field("Client region", r.clientRegion + (r.matchedCidr ? ` (matched ${r.matchedCidr})` : " (no CIDR matched)")),
        ...field("Serving region", r.servingRegion + (r.fallback ? " (fallback: no eligible edge nearer)" : "")),
        ...field("Policy", r.policy + (inputs ? ` (${inputs})` : "")),
        ...field("Ranked", r.ranked.join(" → ")),
        ...field("Skipped", r.skipped.join(", ")),
        ...field("Cache key", r.cacheKey),
        ...field("Why", r.reason)));
    } catch (e) {
      if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
        signOut(e.message);
        return;
      }
      result.replaceChildren(el("p", { class: "error", role: "alert" }, e.message));
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("window-minutes").textContent = String(WINDOW_MILLIS / 60000);
    $("token-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const token = $("token").value.trim();
      $("token").value = "";
      if (!token) return;
      sessionStorage.setItem(TOKEN_KEY, token);
      $("sign-in-error").textContent = "";
      signIn();
    });
    $("sign-out").addEventListener("click", () => signOut(""));
    $("route-form").addEventListener("submit", explainRoute);
    if (sessionStorage.getItem(TOKEN_KEY)) {
      signIn();
    } else {
      $("token").focus();
    }
  });
})();
