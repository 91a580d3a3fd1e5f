// The dashboard: hash-routed views over the node's JSON-RPC, refreshed on each new head.
import { Rpc } from "./rpc.js";
import { esc, pha, phaText, int, percent, permill, when, ago, chainTime, short, fixed } from "./fmt.js";

const rpc = new Rpc(location.origin.replace(/^http/, "ws") + "/");
window.dashboard = { rpc };  // tests read rpc.log
const view = document.getElementById("view");
const PAGE = 50;
let head = null;          // latest header {number, timestamp_ms}
let refreshing = false, again = false;
const forecasts = new Map();  // "pid/who" -> the forecast cell's HTML (kept across refreshes)

const route = () => {
  const [path, query = ""] = location.hash.replace(/^#\/?/, "").split("?");
  const [name = "network", arg] = path.split("/");
  return { name: name || "network", arg: arg && decodeURIComponent(arg), q: new URLSearchParams(query) };
};
const link = (name, arg, q) => `#/${name}${arg !== undefined ? "/" + encodeURIComponent(arg) : ""}${q ? "?" + q : ""}`;
const acct = (a) => a ? `<a class="mono" href="${link("account", a)}" title="${esc(a)}">${esc(short(a, 6))}</a>` : "—";
const card = (k, v, id = "") => `<div class="card"${id ? ` id="${id}"` : ""}><div class="k">${k}</div><div class="v">${v}</div></div>`;
const nowMs = () => head ? head.timestamp_ms : Date.now();

function pager(total, offset, key) {
  const pages = Math.max(1, Math.ceil(total / PAGE)), page = Math.floor(offset / PAGE) + 1;
  return `<div class="pager" data-key="${key}"><button data-off="${offset - PAGE}" ${offset <= 0 ? "disabled" : ""}>‹ prev</button>
    page ${page} of ${pages} · ${int(total)} rows
    <button data-off="${offset + PAGE}" ${offset + PAGE >= total ? "disabled" : ""}>next ›</button></div>`;
}

function withQuery(changes) {
  const r = route();
  for (const [k, v] of Object.entries(changes)) r.q.set(k, v);
  location.hash = link(r.name, r.arg, r.q.toString());
}

view.addEventListener("click", (ev) => {
  const btn = ev.target.closest(".pager button");
  if (btn) withQuery({ [btn.parentElement.dataset.key]: btn.dataset.off });
  const th = ev.target.closest("th[data-sort]");
  if (th) {
    const q = route().q, same = (q.get("sort") || "pid") === th.dataset.sort;
    withQuery({ sort: th.dataset.sort, order: same && q.get("order") !== "desc" ? "desc" : "asc", off: 0 });
  }
  const fc = ev.target.closest("button.forecast");
  if (fc) forecast(fc);
});

// -- Network -------------------------------------------------------------------------
function chart(points, key, label, color) {
  const w = 560, h = 150, pad = 28;
  if (points.length < 2) return `<svg class="chart" width="${w}" height="${h}"><text x="${pad}" y="${h / 2}" fill="#6b7773">${label}: not enough blocks yet</text></svg>`;
  const xs = points.map((p) => p.block), ys = points.map((p) => p[key]);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)], [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  const sx = (x) => pad + (w - 2 * pad) * (x - x0) / Math.max(1, x1 - x0);
  const sy = (y) => h - pad - (h - 2 * pad) * (y - y0) / ((y1 - y0) || 1);
  const d = points.map((p, i) => `${i ? "L" : "M"}${sx(p.block).toFixed(1)},${sy(p[key]).toFixed(1)}`).join("");
  return `<svg class="chart" width="${w}" height="${h}"><text x="${pad}" y="16" font-size="12" fill="#3d4a45">${label}</text>
    <path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>
    <text x="${pad}" y="${h - 8}" font-size="11" fill="#6b7773">#${x0}</text><text x="${w - pad}" y="${h - 8}" font-size="11" fill="#6b7773" text-anchor="end">#${x1}</text>
    <text x="${w - pad}" y="16" font-size="11" fill="#6b7773" text-anchor="end">${y1.toLocaleString("en-US", { maximumFractionDigits: 2 })}</text></svg>`;
}

const series = (hist, key, scale = (x) => x) => hist.map((p) => ({ block: p.number, [key]: scale(p) }));
const phaNum = (planck) => Number(BigInt(planck) / 10n ** 8n) / 1e4;

async function network() {
  const [n, hist] = await Promise.all([rpc.call("phala_network"), rpc.call("phala_history", 30)]);
  const states = Object.entries(n.workers_by_state).map(([s, c]) => `<span class="pill ${s}">${s} ${int(c)}</span>`).join(" ") || "none";
  const vMean = series(hist, "v", (p) => p.v_mean ? Number(p.v_mean.value) : 0);
  const rewards = series(hist, "r", (p) => phaNum(p.rewards));
  return `<h1>Network</h1><div class="cards">
    ${card("Head block", `<a href="${link("block", n.head.number)}">#${int(n.head.number)}</a>`, "net-head")}
    ${card("Chain time", `<span title="${chainTime(n.head.timestamp_ms)}">${chainTime(n.head.timestamp_ms).slice(0, 16)}</span>`)}
    ${card("Budget per block", `${fixed(n.budget_per_block)} PHA`)}
    ${card("Sum of shares", fixed(n.sum_share))}
    ${card("PHASRB", percent(n.phasrb))}
    ${card("Subsidy pool", pha(n.subsidy_pool, 0))}
    ${card("Treasury", pha(n.treasury, 0))}
    ${card("Delegated", pha(n.delegated_tokens, 0))}
    ${card("Pools", int(n.pools))}
    ${card("Staking wallets", int(n.staking_wallets))}
    ${card("Mining rewards paid", pha(n.total_mining_reward, 2))}
    </div><h2>Workers by state</h2><div>${states}</div>
    <h2>Over time (genesis to head)</h2><div class="charts">
    ${chart(vMean, "v", "mean V of mining workers", "#0b8f5a")}${chart(rewards, "r", "mining rewards paid, cumulative (PHA)", "#3867d6")}</div>`;
}

// -- Pools ---------------------------------------------------------------------------
const POOL_COLS = [["pid", "Pool"], ["owner", "Owner"], ["commission", "Commission", 1], ["cap", "Cap", 1],
  ["total_stake", "Total stake", 1], ["free_stake", "Free", 1], ["releasing_stake", "Releasing", 1],
  ["workers", "Workers", 1], ["apr", "APR", 1], ["realised_apr", "Realised APR", 1], ["queue", "Queue", 1]];

async function pools(r) {
  const sort = r.q.get("sort") || "pid", order = r.q.get("order") || "asc", off = Number(r.q.get("off") || 0);
  const page = await rpc.call("phala_pools", off, PAGE, sort, order);
  const head_ = POOL_COLS.map(([k, t, num]) => `<th data-sort="${k}" class="${num ? "num " : ""}${k === sort ? "sorted " + order : ""}">${t}</th>`).join("");
  const rows = page.items.map((p) => `<tr data-pid="${p.pid}">
    <td><a href="${link("pool", p.pid)}">#${p.pid}</a></td><td>${acct(p.owner)}</td>
    <td class="num" data-col="commission">${permill(p.commission_permill)}</td>
    <td class="num" data-col="cap">${p.cap === null ? '<span class="muted">none</span>' : pha(p.cap, 0)}</td>
    <td class="num" data-col="total_stake">${pha(p.total_stake)}</td><td class="num" data-col="free_stake">${pha(p.free_stake)}</td>
    <td class="num" data-col="releasing_stake">${pha(p.releasing_stake)}</td><td class="num" data-col="workers">${int(p.workers)}</td>
    <td class="num" data-col="apr">${percent(p.apr)}</td>
    <td class="num" data-col="realised_apr" title="what a share earned over blocks #${p.realised_window.from}–#${p.realised_window.to}, annualised">${percent(p.realised_apr)}</td>
    <td class="num" data-col="queue">${int(p.queue)}</td></tr>`).join("");
  return `<h1>Pools</h1><table id="pools"><thead><tr>${head_}</tr></thead><tbody>${rows ||
    '<tr><td colspan="11" class="muted">no pools yet</td></tr>'}</tbody></table>${pager(page.total, off, "off")}`;
}

// -- Pool page -----------------------------------------------------------------------
async function pool(r) {
  const pid = Number(r.arg), woff = Number(r.q.get("woff") || 0), soff = Number(r.q.get("soff") || 0);
  const [p, ws, ss, hist] = await Promise.all([rpc.call("phala_pool", pid),
    rpc.call("phala_poolWorkers", pid, woff, PAGE), rpc.call("phala_poolStakers", pid, soff, PAGE),
    rpc.call("phala_history", 30, pid)]);
  const stakerRewards = ss.items.reduce((a, s) => a + BigInt(s.pending_rewards) + BigInt(s.available_rewards), 0n);
  const owner = BigInt(p.owner_reward), all = owner + stakerRewards;
  const ownerPct = all ? Number(owner * 1000n / all) / 10 : 0, restColor = all ? "#0b8f5a" : "#e8ecea";
  const workers = ws.items.map((w) => `<tr><td class="mono" title="${w.pubkey}">${short(w.pubkey)}</td>
    <td>${w.state ? `<span class="pill ${w.state}">${w.state}</span>` : '<span class="muted">not mining</span>'}</td>
    <td class="num">${fixed(w.v, 2)}</td><td class="num">${fixed(w.ve, 2)}</td><td class="num">${pha(w.stake, 0)}</td>
    <td class="num">${pha(w.total_reward)}</td></tr>`).join("");
  const stakers = ss.items.map((s) => `<tr><td>${acct(s.who)}</td><td class="num" title="${BigInt(s.shares)}">${int(BigInt(s.shares) / 10n ** 12n)}</td>
    <td class="num">${pha(s.locked)}</td><td class="num">${pha(s.pending_rewards)}</td><td class="num">${pha(s.available_rewards)}</td></tr>`).join("");
  const queue = p.queue_items.map((q, i) => `<tr><td>${i + 1}</td><td>${acct(q.who)}</td><td class="num" title="${BigInt(q.shares)} share units">${phaText(q.shares)}</td>
    <td title="queued at ${chainTime(q.start_time_sec * 1000)}">${when(q.start_time_sec * 1000, p.now_ms)}</td>
    <td class="forecast-cell">${forecasts.get(`${pid}/${q.who}`) ||
      `<button class="forecast" data-pid="${pid}" data-who="${esc(q.who)}">forecast withdrawal</button>`}</td></tr>`).join("");
  return `<h1>Pool #${pid} ${p.description ? `<span class="muted">${esc(p.description)}</span>` : ""}</h1>
    <div class="cards">${card("Owner", acct(p.owner))}${card("Commission", permill(p.commission_permill))}
    ${card("Cap", p.cap === null ? "none" : pha(p.cap, 0))}${card("Total stake", pha(p.total_stake))}
    ${card("Free stake", pha(p.free_stake))}${card("Releasing", pha(p.releasing_stake))}
    ${card("APR", percent(p.apr))}${card("Workers", int(p.workers))}${card("Stakers", int(p.stakers))}
    ${card("Withdraw queue", int(p.queue), "queue-len")}</div>
    <h2>Rewards split</h2><div class="card">owner ${pha(owner)} · delegators (this page of stakers) ${pha(stakerRewards)}
      <div class="bar"><span style="width:${ownerPct}%;background:#3867d6"></span><span style="width:${100 - ownerPct}%;background:${restColor}"></span></div></div>
    <h2>Over time</h2><div class="charts">${chart(series(hist, "r", (h) => phaNum(h.rewards)), "r", "pool's mining rewards, cumulative (PHA)", "#3867d6")}
      ${chart(series(hist, "q", (h) => phaNum(h.queue_shares)), "q", "queued withdrawals (shares, PHA units)", "#b26a00")}</div>
    <h2>Withdraw queue</h2><table id="queue"><thead><tr><th>#</th><th>Account</th><th class="num">Shares (PHA units)</th><th>Queued</th><th>Forecast</th></tr></thead>
    <tbody>${queue || '<tr><td colspan="5" class="muted">empty</td></tr>'}</tbody></table>
    <h2>Workers</h2><table id="workers"><thead><tr><th>Worker</th><th>State</th><th class="num">V</th><th class="num">Ve</th><th class="num">Stake</th><th class="num">Reward</th></tr></thead>
    <tbody>${workers || '<tr><td colspan="6" class="muted">no workers</td></tr>'}</tbody></table>${pager(ws.total, woff, "woff")}
    <h2>Stakers</h2><table id="stakers"><thead><tr><th>Account</th><th class="num">Shares (×10¹²)</th><th class="num">Locked</th><th class="num">Pending rewards</th><th class="num">Available</th></tr></thead>
    <tbody>${stakers || '<tr><td colspan="5" class="muted">no stakers</td></tr>'}</tbody></table>${pager(ss.total, soff, "soff")}`;
}

async function forecast(btn) {
  const key = `${btn.dataset.pid}/${btn.dataset.who}`;
  const show = (html) => { forecasts.set(key, html); render(); };
  show('<span class="muted">forecasting on a fork…</span>');
  try {
    const f = await rpc.call("phala_forecastWithdrawal", Number(btn.dataset.pid), btn.dataset.who);
    show(f.paid
      ? `<span class="forecast-result">paid by <a href="${link("block", f.paid.block.number)}">#${int(f.paid.block.number)}</a> (${chainTime(f.paid.block.timestamp_ms)}, in ${ago(0, f.paid.after_sec * 1000).replace(" ago", "")}) via ${esc(f.path.join(", ") || "free stake")}: ${pha(f.paid.amount)}</span>`
      : `<span class="forecast-result muted">${esc(f.outcome)} within the horizon</span>`);
  } catch (e) { show(`<span class="error">${esc(e.message)}</span>`); }
}

// -- Blocks --------------------------------------------------------------------------
const callName = (x) => `${x.call.pallet}.${x.call.call}`;
function blockCard(b, full) {
  const exts = b.extrinsics.map((x, i) => `<li><b>${esc(callName(x))}</b> ${x.signer ? "by " + acct(x.signer) : '<span class="muted">inherent</span>'}
    ${full ? `<pre>${esc(JSON.stringify(x.call.args, null, 1))}</pre>` : ""}
    <span class="muted">· ${b.events.filter((e) => e.phase && e.phase.ApplyExtrinsic === i).map((e) => `${e.pallet}.${e.event}`).join(", ")}</span></li>`).join("");
  const evs = full ? `<h2>Events</h2><table><thead><tr><th>Phase</th><th>Event</th><th>Attributes</th></tr></thead><tbody>${
    b.events.map((e) => `<tr><td class="muted">${esc(JSON.stringify(e.phase))}</td><td>${esc(e.pallet)}.${esc(e.event)}</td><td class="mono">${esc(JSON.stringify(e.attributes))}</td></tr>`).join("")}</tbody></table>` : "";
  return `<div class="block" data-number="${b.number}"><div class="top"><a href="${link("block", b.number)}"><b>#${int(b.number)}</b></a>
    <span class="mono muted" title="${b.hash}">${short(b.hash)}</span><span>${when(b.timestamp_ms, nowMs())}</span>
    <span class="muted">${b.extrinsics.length} extrinsics · ${b.events.length} events</span></div><ul>${exts}</ul>${evs}</div>`;
}

async function blocks(r) {
  const from = r.q.get("from");
  const page = await rpc.call("phala_blocks", from === null ? null : Number(from), 10);
  const last = page.items.length ? page.items[page.items.length - 1].number : 0;
  return `<h1>Blocks and events</h1><div id="blocks">${page.items.map((b) => blockCard(b, false)).join("")}</div>
    ${last > 0 ? `<a href="${link("blocks", undefined, "from=" + (last - 1))}">older blocks ›</a>` : ""}`;
}

async function block(r) {
  const ref = /^\d+$/.test(r.arg) ? Number(r.arg) : r.arg;
  const b = await rpc.call("phala_block", ref);
  return `<h1>Block #${int(b.number)}</h1><div class="cards">${card("Hash", `<span class="mono" title="${b.hash}">${short(b.hash)}</span>`)}
    ${card("Parent", `<a class="mono" href="${link("block", b.parent_hash)}">${short(b.parent_hash)}</a>`)}
    ${card("Chain time", chainTime(b.timestamp_ms))}</div><h2>Extrinsics</h2>${blockCard(b, true)}`;
}

// -- Account -------------------------------------------------------------------------
async function account(r) {
  const form = `<form id="account-form" onsubmit="location.hash='#/account/'+encodeURIComponent(this.a.value.trim());return false">
    <input name="a" size="60" placeholder="SS58 or 0x account" value="${esc(r.arg || "")}"> <button>show</button></form>`;
  if (!r.arg) return `<h1>Account</h1>${form}`;
  const a = await rpc.call("phala_account", r.arg);
  const rows = a.pools.map((p) => `<tr><td><a href="${link("pool", p.pid)}">#${p.pid}</a></td><td class="num">${int(BigInt(p.shares) / 10n ** 12n)}</td>
    <td class="num">${pha(p.locked)}</td><td class="num">${pha(p.pending_rewards)}</td><td class="num">${pha(p.available_rewards)}</td>
    <td class="num">${int(BigInt(p.queued_shares) / 10n ** 12n)}</td></tr>`).join("");
  return `<h1>Account <span class="mono">${esc(a.address)}</span></h1>${form}<div class="cards" style="margin-top:12px">
    ${card("Free", pha(a.free))}${card("Locked by phala/sp", pha(a.locked_stake))}${card("Reserved", pha(a.reserved))}
    ${card("Next nonce", int(a.nonce))}${card("Owns pools", a.owned_pools.map((p) => `<a href="${link("pool", p)}">#${p}</a>`).join(" ") || "none")}</div>
    <h2>Pools joined</h2><table id="account-pools"><thead><tr><th>Pool</th><th class="num">Shares (×10¹²)</th><th class="num">Locked</th><th class="num">Pending rewards</th><th class="num">Available</th><th class="num">Queued shares</th></tr></thead>
    <tbody>${rows || '<tr><td colspan="6" class="muted">none</td></tr>'}</tbody></table>`;
}

// -- shell ---------------------------------------------------------------------------
const VIEWS = { network, pools, pool, blocks, block, account };

async function render(live = false) {
  const typing = document.activeElement && document.activeElement.tagName === "INPUT" && view.contains(document.activeElement);
  if (live && typing) return;  // a new block must not wipe what is being typed
  if (refreshing) { again = true; return; }
  refreshing = true;
  const r = route();
  document.querySelectorAll("nav a").forEach((a) => a.classList.toggle("active",
    a.dataset.view === r.name || (a.dataset.view === "pools" && r.name === "pool") || (a.dataset.view === "blocks" && r.name === "block")));
  try {
    const html = await (VIEWS[r.name] || network)(r);
    view.innerHTML = html;
    view.dataset.view = r.name;
    view.dataset.head = head ? head.number : "";
  } catch (e) {
    view.innerHTML = `<div class="error">${esc(e.message)}</div>`;
  } finally {
    refreshing = false;
    if (again) { again = false; render(); }
  }
}

// a number is a block; a 32-byte 0x value is a block hash if the chain has one, else an account
document.getElementById("search").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const q = ev.target.q.value.trim();
  let isBlock = /^\d+$/.test(q);
  if (/^0x[0-9a-fA-F]{64}$/.test(q)) isBlock = await rpc.call("phala_block", q).then(() => true, () => false);
  location.hash = link(isBlock ? "block" : "account", q);
});

function showHead() {
  document.getElementById("head").innerHTML = head
    ? `#${int(head.number)} · <span title="${chainTime(head.timestamp_ms)}">${chainTime(head.timestamp_ms).slice(5, 16)}</span>` : "—";
}

async function start() {
  rpc.onclose = () => { document.getElementById("head").textContent = "disconnected"; };
  const n = await rpc.call("phala_network");
  head = { number: n.head.number, timestamp_ms: n.head.timestamp_ms };
  showHead();
  window.addEventListener("hashchange", () => render());
  await render();
  await rpc.subscribe("chain_subscribeNewHeads", async (h) => {
    const number = parseInt(h.number, 16);
    if (head && number <= head.number) return;
    const b = await rpc.call("phala_block", number);
    head = { number, timestamp_ms: b.timestamp_ms };
    showHead();
    render(true);
  });
}

start().catch((e) => { view.innerHTML = `<div class="error">${esc(e.message)}</div>`; });
