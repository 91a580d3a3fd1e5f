"""Two runtimes of different compositions in one process: each encodes, decodes and describes
its own calls, events and errors (no codec is bound process-wide to the latest runtime)."""

from __future__ import annotations

from runtime.balances import Balances
from runtime.codec import Variant
from runtime.dispatch import ModuleError
from runtime.metadata import metadata_bytes
from runtime.metadata.layout import METADATA_V14
from runtime.sudo import Sudo
from runtime.system import System
from runtime.timestamp import Timestamp
from tests.harness import ALICE, BOB, CHARLIE, Chain

FULL = None  # the default composition: Sudo at 3, Balances at 2
SMALL = [(0, System), (1, Timestamp), (5, Balances), (9, Sudo)]


def transfer(chain: Chain, value: int) -> Variant:
    return chain.rt.make_call("Balances", "force_transfer", source=Variant("Id", BOB),
                              dest=Variant("Id", CHARLIE), value=value)


def sudo_transfer(chain: Chain, value: int) -> Variant:
    return chain.rt.make_call("Sudo", "sudo", call=transfer(chain, value))


def test_each_runtime_round_trips_its_own_calls() -> None:
    full = Chain(FULL)
    small = Chain(SMALL)          # built last: must not change how `full` encodes
    call_full, call_small = sudo_transfer(full, 5), sudo_transfer(small, 5)
    enc_full, enc_small = full.rt.encode_call(call_full), small.rt.encode_call(call_small)
    assert enc_full[:4] == bytes([3, 0, 2, 2])    # Sudo.sudo(Balances.force_transfer)
    assert enc_small[:4] == bytes([9, 0, 5, 2])
    assert enc_full[4:] == enc_small[4:]
    assert full.rt.decode_call(enc_full) == call_full
    assert small.rt.decode_call(enc_small) == call_small
    # each runtime's decl argument is its own RuntimeCall
    assert full.rt.call_decl("Sudo", "sudo").args[0][1].target is full.rt.call_codec
    assert small.rt.call_decl("Sudo", "sudo").args[0][1].target is small.rt.call_codec


def test_each_runtime_encodes_and_decodes_its_own_events_and_errors() -> None:
    full = Chain(FULL).genesis(balances=[(ALICE, 10**15), (BOB, 10**12)], sudo=ALICE)
    small = Chain(SMALL).genesis(balances=[(ALICE, 10**15), (BOB, 10**12)], sudo=ALICE)
    for chain, pallet_index in ((full, 2), (small, 5), (full, 2)):
        out = chain.call(ALICE, "Sudo", "sudo", call=transfer(chain, 10**13))
        err = ModuleError("Balances", 2, "InsufficientBalance")
        assert out.events == [("Sudo", "Sudid", {"sudo_result": Variant("Err", err)})]
        raw = chain["System"].Events.raw()
        sudo_index = chain.rt.pallet_index_of["Sudo"]
        assert bytes([sudo_index, 0, 1, 3, pallet_index, 2, 0, 0, 0]) in raw
        assert chain.events()[-2].fields == {"sudo_result": Variant("Err", err)}


def test_each_runtime_describes_its_own_outer_enums() -> None:
    full, small = Chain(FULL), Chain(SMALL)
    for chain in (small, full, small):
        md = METADATA_V14.decode(metadata_bytes(chain.rt, 14)[5:])
        types = {t["id"]: t["ty"] for t in md["types"]}
        call_id = next(i for i, t in types.items()
                       if t["path"] == ["phala_emu_runtime", "RuntimeCall"])
        call = types[call_id]
        assert [(v["name"], v["index"]) for v in call["def"].value["variants"]] == [
            (p.NAME, i) for i, p in sorted(chain.rt.by_index.items())]
        sudo_call = types[next(v for v in call["def"].value["variants"]
                               if v["name"] == "Sudo")["fields"][0]["ty"]]
        sudo = next(v for v in sudo_call["def"].value["variants"] if v["name"] == "sudo")
        # Sudo.sudo's argument is this runtime's RuntimeCall (a recursive type)
        assert sudo["fields"][0]["ty"] == call_id
    assert metadata_bytes(full.rt, 14) != metadata_bytes(small.rt, 14)
