// polkadot.js (@polkadot/api) against `phala-emu serve`, with no types or options: it must
// learn everything from the chain's metadata. Prints one JSON result (see tests/clients).
import { ApiPromise, WsProvider } from "@polkadot/api";
import { Keyring } from "@polkadot/keyring";
import { cryptoWaitReady } from "@polkadot/util-crypto";

import { ALICE_URI, BOB_URI, run, until, within } from "./common.mjs";

const UNKNOWN_WORKER = "0x" + "11".repeat(32);

/** Sign and send `tx`, resolve once finalized: statuses seen, the extrinsic's events. */
function sendFinalized(tx, signer) {
  return new Promise((resolve, reject) => {
    const statuses = [];
    let unsub = null;
    tx.signAndSend(signer, (result) => {
      const { status } = result;
      if (statuses[statuses.length - 1] !== status.type) statuses.push(status.type);
      if (status.isFinalized) {
        if (unsub) unsub();
        resolve({
          statuses,
          blockHash: status.asFinalized.toHex(),
          events: result.events.map(({ event }) => `${event.section}.${event.method}`),
          dispatchError: result.dispatchError,
        });
      } else if (status.isInvalid || status.isDropped || status.isUsurped) {
        reject(new Error(`transaction ${status.type}`));
      }
    }).then((u) => { unsub = u; }, reject);
  });
}

async function main(url) {
  const out = {};
  const api = await within(ApiPromise.create({ provider: new WsProvider(url) }), 30_000, "ApiPromise.create");
  await cryptoWaitReady();
  const keyring = new Keyring({ type: "sr25519", ss58Format: api.registry.chainSS58 });
  const alice = keyring.addFromUri(ALICE_URI);
  const bob = keyring.addFromUri(BOB_URI);

  out.chain = (await api.rpc.system.chain()).toString();
  out.specName = api.runtimeVersion.specName.toString();
  out.genesisHash = api.genesisHash.toHex();
  out.metadataVersion = api.runtimeMetadata.version;
  out.ss58 = api.registry.chainSS58;
  out.aliceAddress = alice.address;

  // constants
  out.consts = {
    ss58Prefix: api.consts.system.ss58Prefix.toNumber(),
    existentialDeposit: api.consts.balances.existentialDeposit.toString(),
    blockHashCount: api.consts.system.blockHashCount.toNumber(),
    phalaStakePool: Object.fromEntries(Object.entries(api.consts.phalaStakePool || {})
      .map(([name, value]) => [name, value.toString()])),
  };

  // storage: a value, a map entry, a Phala map's entries
  const aliceAccount = await api.query.system.account(alice.address);
  out.alice = { nonce: aliceAccount.nonce.toNumber(), free: aliceAccount.data.free.toString(),
    providers: aliceAccount.providers.toNumber() };
  out.totalIssuance = (await api.query.balances.totalIssuance()).toString();
  const accounts = await api.query.system.account.entries();
  out.accountCount = accounts.length;
  const workers = await api.query.phalaRegistry.workers.entries();
  out.workers = workers.map(([key, info]) => ({
    pubkey: key.args[0].toHex(),
    operator: info.unwrap().operator.isSome ? info.unwrap().operator.unwrap().toString() : null,
  })).sort((a, b) => a.pubkey.localeCompare(b.pubkey));

  // a transfer until finalized, its events; the balance before it read at an older block
  const before = await api.rpc.chain.getBlockHash();
  const beforeHeader = await api.rpc.chain.getHeader(before);
  out.headBefore = beforeHeader.number.toNumber();
  const bobBefore = (await api.query.system.account(bob.address)).data.free.toBigInt();
  const transfer = await sendFinalized(
    api.tx.balances.transferKeepAlive(bob.address, 12345n), alice);
  const transferHeader = await api.rpc.chain.getHeader(transfer.blockHash);
  out.transfer = { statuses: transfer.statuses, events: transfer.events,
    blockNumber: transferHeader.number.toNumber() };
  const bobAfter = (await api.query.system.account(bob.address)).data.free.toBigInt();
  const apiBefore = await api.at(before);
  const bobThen = (await apiBefore.query.system.account(bob.address)).data.free.toBigInt();
  out.bob = { before: bobBefore, after: bobAfter, atOlderBlock: bobThen };

  // a Phala call
  const poolsBefore = (await api.query.phalaStakePool.poolCount()).toNumber();
  const create = await sendFinalized(api.tx.phalaStakePool.create(), alice);
  const pool = (await api.query.phalaStakePool.stakePools(poolsBefore)).unwrap();
  out.create = { statuses: create.statuses, events: create.events, pid: poolsBefore,
    poolCount: (await api.query.phalaStakePool.poolCount()).toNumber(),
    owner: pool.owner.toString() };

  // a failing call: the module error resolved through the metadata
  const failed = await sendFinalized(
    api.tx.phalaStakePool.addWorker(poolsBefore, UNKNOWN_WORKER), alice);
  const err = failed.dispatchError;
  const meta = err && err.isModule ? api.registry.findMetaError(err.asModule) : null;
  out.failed = { events: failed.events,
    error: meta ? { section: meta.section, name: meta.name, docs: meta.docs } : String(err) };

  // new heads while dev_newBlock seals three blocks
  const seen = [];
  const unsubHeads = await api.rpc.chain.subscribeNewHeads((h) => seen.push(h.number.toNumber()));
  await until(() => seen.length > 0, 10_000, "the first head");
  const start = seen[0];
  const sealedHash = await api._rpcCore.provider.send("dev_newBlock", [{ count: 3 }]);
  await until(() => seen.includes(start + 3), 10_000, "three new heads");
  unsubHeads();
  out.heads = { seen, start, sealedHash,
    headHash: (await api.rpc.chain.getBlockHash()).toHex() };

  // metadata V15 through the runtime API, decoded by polkadot.js itself (a failure is
  // reported in the result, so the figures above still show)
  const versions = await api.call.metadata.metadataVersions();
  out.v15 = { versions: versions.map((v) => v.toNumber()) };
  try {
    const opaque = await api.call.metadata.metadataAtVersion(15);
    const metadata = api.registry.createType("Metadata", opaque.unwrap().toU8a(true));
    Object.assign(out.v15, {
      version: metadata.version,
      pallets: metadata.asLatest.pallets.map((p) => p.name.toString()),
      apis: metadata.asV15.apis.map((a) => a.name.toString()),
    });
  } catch (err) {
    out.v15.error = String(err).slice(0, 500);
  }
  await api.disconnect();
  return out;
}

run(main);
