// polkadot-api over the new JSON-RPC interface (chainHead_v1 / transaction_v1 / chainSpec_v1 /
// archive_v1), which `serve` lists in rpc_methods so the provider's middleware routes there
// instead of its legacy fallback. Reads storage, follows finalized blocks, submits a signed
// transfer and a stake-pool call and waits for each to be finalized. One JSON line on stdout.
import { createClient } from "polkadot-api";
import { getPolkadotSigner } from "polkadot-api/signer";
import { getWsProvider } from "polkadot-api/ws";
import { Keyring } from "@polkadot/keyring";
import { cryptoWaitReady } from "@polkadot/util-crypto";
import WebSocket from "ws";

import { ALICE_URI, BOB_URI, run, until } from "./common.mjs";

const AMOUNT = 555_000_000n;

async function main(url) {
  const out = {};
  const client = createClient(getWsProvider(url, { websocketClass: WebSocket }));
  const api = client.getUnsafeApi();
  await cryptoWaitReady();
  const keyring = new Keyring({ type: "sr25519" });
  const alice = keyring.addFromUri(ALICE_URI);
  const bob = keyring.addFromUri(BOB_URI);
  keyring.setSS58Format(await api.constants.System.SS58Prefix());
  const signer = getPolkadotSigner(alice.publicKey, "Sr25519", (payload) => alice.sign(payload));

  const seen = [];
  const followed = client.finalizedBlock$.subscribe((b) => seen.push(b.number));
  out.chainName = (await client.getChainSpecData()).name;
  out.bobBefore = (await api.query.System.Account.getValue(bob.address)).data.free;
  out.poolCountBefore = await api.query.PhalaStakePool.PoolCount.getValue();
  out.accounts = (await api.query.System.Account.getEntries()).length;

  const summary = (r) => ({ ok: r.ok, blockNumber: r.block.number, index: r.block.index,
    events: r.events.map((e) => `${e.type}.${e.value.type}`) });
  const transfer = await api.tx.Balances.transfer_keep_alive({
    dest: { type: "Id", value: bob.address }, value: AMOUNT }).signAndSubmit(signer);
  out.transfer = summary(transfer);
  const create = await api.tx.PhalaStakePool.create().signAndSubmit(signer);
  out.create = summary(create);
  out.bobAfter = (await api.query.System.Account.getValue(bob.address,
    { at: transfer.block.hash })).data.free;
  out.poolCountAfter = await api.query.PhalaStakePool.PoolCount.getValue();
  await until(() => seen.includes(create.block.number), 10_000, "the finalized block stream");
  out.finalizedSeen = [...new Set(seen)];
  followed.unsubscribe();
  client.destroy();
  return out;
}

run(main);
