"""Hash functions, storage hashers and storage keys against ../shared vectors (§2)."""

from __future__ import annotations

import pytest

from runtime.hashing import (
    HASHERS,
    blake2_128,
    blake2_256,
    storage_prefix,
    twox64,
    twox128,
    twox256,
)

ALICE = bytes.fromhex("d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d")


def h(text: str) -> bytes:
    return bytes.fromhex(text.removeprefix("0x"))


def test_twox128_of_every_name(vectors):
    for name, expected in vectors["twox128"]["values"].items():
        assert twox128(name.encode()) == h(expected), name


def test_twox64_is_little_endian_intdigest():
    # Twox64Concat(SCALE(u64 0)) starts with these 8 bytes; digest() would reverse them
    assert twox64(bytes(8)) == h("bb1bdbcacd6ac934")


def test_hasher_values(vectors):
    inputs = {k: h(v) for k, v in vectors["hashers"]["inputs"].items()}
    expected = {k: h(v) for k, v in vectors["hashers"]["values"].items()}
    u64_0, pair, alice = (inputs["SCALE(u64 0)"], inputs["SCALE((u64 0, AccountId Alice))"],
                          inputs["Alice AccountId"])
    assert HASHERS["Twox64Concat"].hash(u64_0) == expected["twox64concat(SCALE(u64 0))"]
    assert HASHERS["Twox64Concat"].hash(pair) == expected["twox64concat(SCALE((u64 0, Alice)))"]
    assert HASHERS["Blake2_128Concat"].hash(alice) == expected["blake2_128concat(Alice)"]
    assert HASHERS["Blake2_128"].hash(alice) == expected["blake2_128(Alice)"]
    assert HASHERS["Blake2_256"].hash(alice) == expected["blake2_256(Alice)"]
    assert HASHERS["Identity"].hash(alice) == expected["identity(Alice)"]
    assert HASHERS["Twox256"].hash(b"System") == expected["twox256('System')"]
    assert twox256(b"System") == expected["twox256('System')"]
    assert blake2_128(alice) == expected["blake2_128(Alice)"]
    assert blake2_256(alice) == expected["blake2_256(Alice)"]


@pytest.mark.parametrize("name, prefix_len", [
    ("Identity", 0), ("Twox64Concat", 8), ("Blake2_128Concat", 16),
])
def test_reversible_hashers_recover_the_key(name, prefix_len):
    hasher = HASHERS[name]
    hashed = hasher.hash(ALICE)
    assert hasher.reversible and hasher.prefix_len == prefix_len
    assert hashed[prefix_len:] == ALICE
    assert hasher.key_bytes(hashed) == ALICE


@pytest.mark.parametrize("name", ["Twox128", "Twox256", "Blake2_128", "Blake2_256"])
def test_opaque_hashers_refuse_to_reverse(name):
    hasher = HASHERS[name]
    assert not hasher.reversible and hasher.prefix_len is None
    with pytest.raises(ValueError, match=f"hasher {name} is not reversible"):
        hasher.key_bytes(hasher.hash(ALICE))


def test_metadata_indices_match_spec():
    assert {n: x.metadata_index for n, x in HASHERS.items()} == {
        "Blake2_128": 0, "Blake2_256": 1, "Blake2_128Concat": 2, "Twox128": 3,
        "Twox256": 4, "Twox64Concat": 5, "Identity": 6,
    }


def test_storage_keys_composed_from_prefix_and_hashers(vectors):
    u32_0, u64_0 = bytes(4), bytes(8)
    composed = {
        "System.Account(Alice)":
            storage_prefix("System", "Account") + HASHERS["Blake2_128Concat"].hash(ALICE),
        "System.Number": storage_prefix("System", "Number"),
        "System.ParentHash": storage_prefix("System", "ParentHash"),
        "System.Events": storage_prefix("System", "Events"),
        "System.BlockHash(0)":
            storage_prefix("System", "BlockHash") + HASHERS["Twox64Concat"].hash(u32_0),
        "Timestamp.Now": storage_prefix("Timestamp", "Now"),
        "Balances.TotalIssuance": storage_prefix("Balances", "TotalIssuance"),
        "Balances.Locks(Alice)":
            storage_prefix("Balances", "Locks") + HASHERS["Blake2_128Concat"].hash(ALICE),
        "PhalaStakePool.StakePools(0)":
            storage_prefix("PhalaStakePool", "StakePools") + HASHERS["Twox64Concat"].hash(u64_0),
        # a tuple key type is hashed as one blob (§2.1)
        "PhalaStakePool.PoolStakers((0,Alice))":
            storage_prefix("PhalaStakePool", "PoolStakers")
            + HASHERS["Twox64Concat"].hash(u64_0 + ALICE),
    }
    expected = vectors["storage_keys"]["values"]
    assert set(composed) == set(expected)
    for name, key in composed.items():
        assert key == h(expected[name]), name
