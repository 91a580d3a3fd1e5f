// What the client scripts share: one JSON result on stdout, logs on stderr, a deadline.
//
// Libraries log to stdout with console.log; the result must be the only stdout line, so
// console.log goes to stderr and the result is written directly.

console.log = (...args) => console.error(...args);

export const ALICE_URI = "//Alice";
export const BOB_URI = "//Bob";

/** Run `main(url)`; print its result as one JSON line, exit 0 — or 1 with the error. */
export async function run(main, deadlineMs = 90_000) {
  const url = process.argv[2];
  if (!url) {
    process.stderr.write("usage: node SCRIPT ws://HOST:PORT\n");
    process.exit(2);
  }
  const timer = setTimeout(() => {
    process.stderr.write(`timed out after ${deadlineMs} ms\n`);
    process.exit(1);
  }, deadlineMs);
  try {
    const result = await main(url);
    process.stdout.write(JSON.stringify(result, jsonBigInt) + "\n");
    clearTimeout(timer);
    process.exit(0);
  } catch (err) {
    process.stderr.write(`error: ${err && err.stack ? err.stack : err}\n`);
    process.exit(1);
  }
}

/** bigints as decimal strings (JSON has no integer of that size). */
export function jsonBigInt(_key, value) {
  return typeof value === "bigint" ? value.toString() : value;
}

/** `promise`, or a rejection naming `what` after `ms` (polkadot.js logs a failed
 * initialisation and keeps retrying instead of rejecting `ApiPromise.create`). */
export function within(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish in ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolve when `predicate()` is true, polling every 20 ms (reject after `ms`). */
export function until(predicate, ms, what) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      if (predicate()) return resolve();
      if (Date.now() - started > ms) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(tick, 20);
    };
    tick();
  });
}
