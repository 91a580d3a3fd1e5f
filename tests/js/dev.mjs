// The dev methods over the wire (rpc.md §6) with Chopsticks' parameter shapes, read back
// through polkadot.js. The caller replays the chain afterwards (export-blocks + replay).
import { ApiPromise, WsProvider } from "@polkadot/api";
import { Keyring } from "@polkadot/keyring";
import { cryptoWaitReady } from "@polkadot/util-crypto";

import { ALICE_URI, run, within } from "./common.mjs";

const RAW_KEY = "0x" + "ab".repeat(4);

async function main(url) {
  const out = {};
  const provider = new WsProvider(url);
  const api = await within(ApiPromise.create({ provider }), 30_000, "ApiPromise.create");
  await cryptoWaitReady();
  const alice = new Keyring({ type: "sr25519", ss58Format: api.registry.chainSS58 })
    .addFromUri(ALICE_URI);
  const send = (method, params) => provider.send(method, params);
  const number = async () => (await api.rpc.chain.getHeader()).number.toNumber();
  out.start = await number();

  // storage by name (a partial struct) and raw, then a raw delete
  out.setStorageHash = await send("dev_setStorage", [{
    System: { Account: [[[alice.address], { data: { free: "5000000000000" } }]] },
    Balances: { TotalIssuance: "42" },
  }]);
  const account = await api.query.system.account(alice.address);
  out.afterSetStorage = { number: await number(), free: account.data.free.toString(),
    nonce: account.nonce.toNumber(),
    totalIssuance: (await api.query.balances.totalIssuance()).toString() };
  await send("dev_setStorage", [[[RAW_KEY, "0x0102"]]]);
  out.rawValue = (await api.rpc.state.getStorage(RAW_KEY)).toHex();
  await send("dev_setStorage", [[[RAW_KEY, null]]]);
  out.rawAfterDelete = (await api.rpc.state.getStorage(RAW_KEY)).toHuman();

  // time travel: the next block carries the new time, the one after it + block time
  out.timeTravel = await send("dev_timeTravel", ["2030-01-01T00:00:00Z"]);
  await send("dev_newBlock", [{}]);
  out.nowAfterTravel = (await api.query.timestamp.now()).toNumber();
  await send("dev_newBlock", [{}]);
  out.nowAfterNext = (await api.query.timestamp.now()).toNumber();

  // blocks, then a rewind by two, then one block more
  const beforeBlocks = await number();
  const lastHash = await send("dev_newBlock", [{ count: 3 }]);
  out.newBlocks = { from: beforeBlocks, to: await number(), lastHash,
    headHash: (await api.rpc.chain.getBlockHash()).toHex() };
  const target = (await api.rpc.chain.getBlockHash(out.newBlocks.to - 2)).toHex();
  out.setHead = { hash: await send("dev_setHead", [-2]), expected: target,
    number: await number() };
  await send("dev_newBlock", [{}]);
  out.end = { number: await number(), hash: (await api.rpc.chain.getBlockHash()).toHex() };

  // extrinsic statuses exactly as the server sends them (polkadot.js may skip InBlock)
  const tx = await api.tx.system.remark("0x01").signAsync(alice);
  const statuses = [];
  await new Promise((resolve, reject) => {
    provider.subscribe("author_extrinsicUpdate", "author_submitAndWatchExtrinsic", [tx.toHex()],
      (err, status) => {
        if (err) return reject(err);
        statuses.push(typeof status === "string" ? status : Object.keys(status)[0]);
        if (typeof status === "object" && "finalized" in status) resolve();
      }).catch(reject);
  });
  out.rawStatuses = statuses;
  out.final = { number: await number(), hash: (await api.rpc.chain.getBlockHash()).toHex() };
  await api.disconnect();
  return out;
}

run(main);
