// polkadot-api (PAPI) against `phala-emu serve`: its WebSocket provider (its middleware routes
// to the new JSON-RPC interface, which serve lists; see papi_native.mjs), the untyped API (no generated descriptors) and an sr25519
// signer from polkadot-api/signer over a @polkadot/keyring key. One JSON result on stdout.
import { createClient } from "polkadot-api";
import { getPolkadotSigner } from "polkadot-api/signer";
import { getWsProvider } from "polkadot-api/ws";
import { Keyring } from "@polkadot/keyring";
import { cryptoWaitReady } from "@polkadot/util-crypto";
import WebSocket from "ws";

import { ALICE_URI, BOB_URI, run } from "./common.mjs";

const AMOUNT = 777_000_000n;

async function main(url) {
  const out = {};
  // Node 20 has no global WebSocket: hand the provider the `ws` one
  const client = createClient(getWsProvider(url, { websocketClass: WebSocket }));
  const api = client.getUnsafeApi();
  await cryptoWaitReady();
  const keyring = new Keyring({ type: "sr25519" });
  const alice = keyring.addFromUri(ALICE_URI);
  const bob = keyring.addFromUri(BOB_URI);
  const signer = getPolkadotSigner(alice.publicKey, "Sr25519", (payload) => alice.sign(payload));

  const ss58 = await api.constants.System.SS58Prefix();
  out.ss58Prefix = ss58;
  out.existentialDeposit = await api.constants.Balances.ExistentialDeposit();
  keyring.setSS58Format(ss58);
  out.aliceAddress = alice.address;

  const finalized = await client.getFinalizedBlock();
  out.finalizedBefore = finalized.number;
  const aliceBefore = await api.query.System.Account.getValue(alice.address);
  const bobBefore = await api.query.System.Account.getValue(bob.address);
  out.totalIssuance = await api.query.Balances.TotalIssuance.getValue();

  const tx = api.tx.Balances.transfer_keep_alive({
    dest: { type: "Id", value: bob.address }, value: AMOUNT });
  const result = await tx.signAndSubmit(signer);
  out.transfer = {
    ok: result.ok,
    blockNumber: result.block.number,
    blockHash: result.block.hash,
    index: result.block.index,
    events: result.events.map((e) => `${e.type}.${e.value.type}`),
  };
  const at = { at: result.block.hash };
  const aliceAfter = await api.query.System.Account.getValue(alice.address, at);
  const bobAfter = await api.query.System.Account.getValue(bob.address, at);
  out.alice = { nonceBefore: aliceBefore.nonce, nonceAfter: aliceAfter.nonce,
    freeBefore: aliceBefore.data.free, freeAfter: aliceAfter.data.free };
  out.bob = { freeBefore: bobBefore.data.free, freeAfter: bobAfter.data.free };
  out.finalizedAfter = (await client.getFinalizedBlock()).number;
  client.destroy();
  return out;
}

run(main);
