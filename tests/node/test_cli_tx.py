"""tx, submit, seal and the pending pool; every invalid transaction leaves the chain unchanged."""

from __future__ import annotations

from pathlib import Path

from node.chain import Chain
from node.pool import sign_call
from runtime.codec import Variant
from runtime.era import Era
from runtime.extrinsic import sign_extrinsic
from runtime.keys import Keypair
from tests.node.conftest import REPO, cli, fails, ok, snapshot

WORKER5 = "0x00bede1f94902342f63c486d1754b1b8efb086f8f5dcf1b6138796f658faa22f"  # //Worker5

BOB = Keypair.from_uri("//Bob").ss58(30)
DAVE = Keypair.from_uri("//Dave").ss58(30)
OUTCOME_KEYS = ["extrinsic_hash", "block_number", "block_hash", "index", "success", "error",
                "events"]


def transfer(dest: str = "//Bob", value: int = 5) -> Variant:
    return Variant("Balances", Variant("transfer_keep_alive",
                                       {"dest": Variant("Id", Keypair.from_uri(dest).public_key),
                                        "value": value}))


def signed_hex(base: Path, **kw: object) -> str:
    with Chain.open(base) as chain:
        return "0x" + sign_call(chain, Keypair.from_uri("//Alice"), transfer(), **kw).hex()  # type: ignore[arg-type]


def test_tx_instant_seal_output(chain_copy: Path) -> None:
    res = ok(chain_copy, "tx", "Balances", "transfer_keep_alive", "//Dave", "7")
    assert list(res) == OUTCOME_KEYS
    assert res["block_number"] == 4 and res["index"] == 1
    assert res["success"] is True and res["error"] is None
    assert res["block_hash"] == ok(chain_copy, "head")["hash"]
    assert [(e["pallet"], e["event"]) for e in res["events"]] == \
        [("Balances", "Transfer"), ("System", "ExtrinsicSuccess")]
    assert "phase" not in res["events"][0]
    assert ok(chain_copy, "query", "System", "Account", DAVE)["data"]["free"] == 10**18 + 7
    assert ok(chain_copy, "block")["extrinsics"][1]["hash"] == res["extrinsic_hash"]


def test_failed_dispatch_is_exit_0_with_the_module_error(chain_copy: Path) -> None:
    res = ok(chain_copy, "tx", "--signer", "//Dave", "Balances", "transfer_keep_alive", "//Bob",
             str(10**19))
    assert res["success"] is False and res["error"] == "Balances.InsufficientBalance"
    assert res["events"][-1]["event"] == "ExtrinsicFailed"
    assert ok(chain_copy, "query", "System", "Account", DAVE)["nonce"] == 1  # nonce survives


def test_sudo_reports_the_wrapped_call(chain_copy: Path) -> None:
    res = ok(chain_copy, "tx", "--sudo", "Balances", "force_set_balance", "//Dave", "123")
    assert res["success"] is True and res["error"] is None
    assert ok(chain_copy, "query", "System", "Account", DAVE)["data"]["free"] == 123
    res = ok(chain_copy, "tx", "--sudo", "Balances", "transfer_keep_alive", "//Dave", "1")
    assert res["success"] is False and res["error"] == "BadOrigin"
    res = ok(chain_copy, "tx", "--signer", "//Bob", "--sudo", "Balances", "force_set_balance",
             "//Dave", "5")
    assert res["success"] is False and res["error"] == "Sudo.RequireSudo"


def test_no_seal_then_seal_in_submission_order(chain_copy: Path) -> None:
    a = ok(chain_copy, "tx", "--no-seal", "Balances", "transfer_keep_alive", "//Dave", "1")
    b = ok(chain_copy, "tx", "--no-seal", "Balances", "transfer_keep_alive", "//Dave", "2")
    c = ok(chain_copy, "tx", "--no-seal", "--signer", "//Bob", "--era", "64", "--tip", "3",
           "System", "remark", "hello")
    assert a == {"extrinsic_hash": a["extrinsic_hash"], "pending": True} and b["pending"]
    assert ok(chain_copy, "head")["number"] == 3  # nothing sealed yet
    blocks = ok(chain_copy, "seal", "--count", "2", "--advance", "6")
    assert [blk["number"] for blk in blocks] == [4, 5]
    first, second = blocks
    assert [x["extrinsic_hash"] for x in first["extrinsics"][1:]] == \
        [a["extrinsic_hash"], b["extrinsic_hash"], c["extrinsic_hash"]]
    assert all(x["success"] for x in first["extrinsics"])
    assert first["timestamp_ms"] == 1_700_000_036_000 + 6000
    assert second["timestamp_ms"] == first["timestamp_ms"] + 6000
    assert len(second["extrinsics"]) == 1  # the pool is empty again
    assert first["events"][0]["phase"] == {"ApplyExtrinsic": 0}
    assert ok(chain_copy, "query", "System", "Account", "//Alice")["nonce"] == 3
    extrinsic = ok(chain_copy, "block", "4")["extrinsics"][3]
    assert extrinsic["tip"] == 3 and extrinsic["era"]["period"] == 64
    assert extrinsic["call"]["args"] == {"remark": "0x" + b"hello".hex()}


def test_pending_extrinsic_invalid_at_authoring_is_dropped(chain_copy: Path) -> None:
    stale = signed_hex(chain_copy, nonce=0)  # Alice already used nonce 0
    with Chain.open(chain_copy) as chain:
        chain.backend.write_batch({chain.store.next_pending_key(): bytes.fromhex(stale[2:])})
    r = cli(chain_copy, "seal")
    assert r.code == 0 and "dropped pending extrinsic" in r.stderr and "Stale" in r.stderr
    assert len(r.out[0]["extrinsics"]) == 1
    assert len(ok(chain_copy, "seal")[0]["extrinsics"]) == 1  # and it left the pool


def test_submit_hex_like_tx(chain_copy: Path) -> None:
    hexed = signed_hex(chain_copy)
    res = ok(chain_copy, "submit", hexed, "--no-seal")
    assert res["pending"] is True
    res = ok(chain_copy, "seal")
    assert res[0]["extrinsics"][1]["success"] is True
    res = ok(chain_copy, "submit", signed_hex(chain_copy))
    assert res["success"] is True and res["index"] == 1


def test_invalid_transactions_exit_2_and_change_nothing(chain_copy: Path) -> None:
    ok(chain_copy, "tx", "--no-seal", "Balances", "transfer_keep_alive", "//Dave", "1")
    before = snapshot(chain_copy)
    good = signed_hex(chain_copy)
    sig_at = 2 + 2 * (2 + 1 + 1 + 32 + 1 + 10)  # 0x, length, version, address, variant, …
    bad_sig = good[:sig_at] + ("0" if good[sig_at] != "0" else "1") + good[sig_at + 1:]
    assert "BadProof" in fails(chain_copy, 2, "InvalidTransaction", "submit", bad_sig)
    with Chain.open(chain_copy) as chain:
        alien = sign_extrinsic(Keypair.from_uri("//Alice"), chain.rt.encode_call(transfer()),
                               nonce=1, era=Era(), tip=0, spec_version=1, tx_version=1,
                               genesis_hash=b"\x11" * 32, checkpoint_hash=b"\x11" * 32)
    assert "BadProof" in fails(chain_copy, 2, "InvalidTransaction", "submit",
                               "0x" + alien.encode().hex())
    tx = ["Balances", "transfer_keep_alive", "//Bob", "1"]
    assert "Stale" in fails(chain_copy, 2, "InvalidTransaction", "tx", "--nonce", "0", *tx)
    assert "Future" in fails(chain_copy, 2, "InvalidTransaction", "tx", "--nonce", "9", *tx)
    assert "Payment" in fails(chain_copy, 2, "InvalidTransaction", "tx", "--signer",
                              "//Nobody", "--tip", "1", *tx)
    assert "Payment" in fails(chain_copy, 2, "InvalidTransaction", "tx", "--tip",
                              str(10**30), *tx)
    assert "unknown call" in fails(chain_copy, 2, "InvalidTransaction", "tx", "Balances", "nope")
    assert "unknown pallet" in fails(chain_copy, 2, "InvalidTransaction", "tx", "Nope", "x")
    assert "value" in fails(chain_copy, 2, "InvalidTransaction", "tx", "Balances",
                            "transfer_keep_alive", "//Bob", "lots")
    assert "dest" in fails(chain_copy, 2, "InvalidTransaction", "tx", "Balances",
                           "transfer_keep_alive", "0x1234", "1")
    assert "argument" in fails(chain_copy, 2, "InvalidTransaction", "tx", "Balances",
                               "transfer_keep_alive", "//Bob")
    fails(chain_copy, 2, "InvalidTransaction", "submit", "0x1234")
    fails(chain_copy, 2, "InvalidTransaction", "submit", "nothex")
    fails(chain_copy, 2, "InvalidTransaction", "submit", good[:-2])  # truncated
    fails(chain_copy, 2, "InvalidSecretUri", "tx", "--signer", "//", *tx)
    fails(chain_copy, 2, "BadInput", "seal", "--count", "0")
    fails(chain_copy, 2, "BadInput", "seal", "--advance", "-1")
    assert snapshot(chain_copy) == before
    blocks = ok(chain_copy, "seal")  # the earlier pending transfer is still queued, alone
    assert len(blocks[0]["extrinsics"]) == 2


def test_a_pooled_call_that_breaks_the_block_is_dropped_not_stuck(chain_copy: Path) -> None:
    from tests.node.inprocess import ok as ok_in

    head = ok_in(chain_copy, "head")["number"]
    queued = ok_in(chain_copy, "tx", "--no-seal", "--sudo", "System", "kill_prefix", "0x", "0")
    r = cli(chain_copy, "seal")
    assert r.code == 0
    [block] = r.out
    assert (block["number"], len(block["extrinsics"])) == (head + 1, 1)  # the inherent only
    assert r.stderr.splitlines() == [
        f"warning: dropped pending extrinsic {x['extrinsic_hash']}: block #{head + 1} would be "
        "invalid with the pool's extrinsics (the block has no Timestamp.set inherent)"
        for x in (queued,)]
    [after] = ok_in(chain_copy, "seal")
    assert len(after["extrinsics"]) == 1  # the pool is empty now


def test_a_dropped_block_keeps_the_simulated_workers_messages(tmp_path: Path) -> None:
    """The fallback block still carries what the simulator would have sent in the broken
    one: //Worker5's benchmark report, due in block #52 (tests/node/test_hints.py)."""
    from tests.node.inprocess import ok as ok_in

    base = tmp_path / "c"
    ok_in(base, "init", "--genesis", str(REPO / "genesis.json"))
    ok_in(base, "seal", "--count", "51")
    ok_in(base, "tx", "--no-seal", "--sudo", "System", "kill_prefix", "0x", "0")
    [block] = ok_in(base, "seal")
    assert block["number"] == 52
    assert [(x["call"]["pallet"], x["call"]["call"]) for x in
            ok_in(base, "block", "52")["extrinsics"]] == [
        ("Timestamp", "set"), ("PhalaMq", "sync_offchain_message")]
    w5 = {w["pubkey"]: w for w in ok_in(base, "worker", "list")}[WORKER5]
    assert (w5["initial_score"], w5["benchmarking"]) == (1956, False)
