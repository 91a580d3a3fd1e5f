// Time ApiPromise.create to ready (metadata fetched and decoded); for bench/js_create.py.
import { ApiPromise, WsProvider } from "@polkadot/api";

import { run, within } from "./common.mjs";

async function main(url) {
  const started = performance.now();
  const api = await within(ApiPromise.create({ provider: new WsProvider(url) }), 30_000, "ApiPromise.create");
  const createMs = performance.now() - started;
  const out = { createMs, metadataVersion: api.runtimeMetadata.version,
    pallets: api.runtimeMetadata.asLatest.pallets.length };
  await api.disconnect();
  return out;
}

run(main);
