// Formatting: PHA with thousands separators (planck on hover), rates, relative times.

const PLANCK = 10n ** 12n;

export const esc = (s) => String(s ?? "").replace(/[&<>"']/g,
  (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));

const group = (digits) => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");

// 1234567890123456n planck -> "1,234.5678" (4 decimals, truncated)
export function phaText(planck, decimals = 4) {
  if (planck === null || planck === undefined) return "—";
  const v = BigInt(planck);
  const neg = v < 0n, a = neg ? -v : v;
  const whole = a / PLANCK;
  const frac = (a % PLANCK).toString().padStart(12, "0").slice(0, decimals);
  return (neg ? "-" : "") + group(whole.toString()) + (decimals ? "." + frac : "");
}

export const pha = (planck, decimals = 4) => planck === null || planck === undefined
  ? '<span class="muted">—</span>'
  : `<span class="pha" title="${BigInt(planck).toString()} planck">${phaText(planck, decimals)} PHA</span>`;

export const int = (n) => n === null || n === undefined ? "—" : group(BigInt(n).toString());

// {"decimal": "0.123456…"} -> "12.34 %" (truncated to 2 decimals, from the exact string)
export function percent(rate) {
  if (!rate) return "—";
  let [w, f = ""] = rate.decimal.replace("-", "").split(".");
  f = f.padEnd(4, "0");
  const whole = BigInt(w + f.slice(0, 2)).toString();
  return (rate.decimal.startsWith("-") ? "-" : "") + group(whole) + "." + f.slice(2, 4) + " %";
}

export const permill = (p) => `${(Number(p) / 10000).toFixed(2)} %`;

export function ago(ms, nowMs) {
  let s = Math.max(0, Math.floor((Number(nowMs) - Number(ms)) / 1000));
  const d = Math.floor(s / 86400); s -= d * 86400;
  const h = Math.floor(s / 3600); s -= h * 3600;
  const m = Math.floor(s / 60); s -= m * 60;
  const parts = d ? [`${d} d`, `${h} h`] : h ? [`${h} h`, `${m} min`] : m ? [`${m} min`, `${s} s`] : [`${s} s`];
  return parts.join(" ") + " ago";
}

export const chainTime = (ms) => new Date(Number(ms)).toISOString().replace("T", " ").slice(0, 19) + " UTC";

export const when = (ms, nowMs) => `<span title="${chainTime(ms)}">${ago(ms, nowMs)}</span>`;

export const short = (s, n = 8) => s && s.length > 2 * n + 3 ? `${s.slice(0, n + 2)}…${s.slice(-n)}` : (s ?? "—");

export const fixed = (f, digits = 4) => f ? Number(f.value).toLocaleString("en-US", { maximumFractionDigits: digits }) : "—";
