"""The trie against every published vector in substrate_vectors.json "trie" and §3 examples."""

from __future__ import annotations

import pytest

from storage.trie import (
    EMPTY_ROOT,
    blake2_256,
    build_root_encoding,
    decode_node,
    encode_header,
    encode_partial,
    ordered_trie_root,
    trie_root,
)
from storage.trie.codec import LEAF, TrieCodecError, decode_compact, encode_compact


def as_bytes(text: str) -> bytes:
    """Vector convention: '0x..' is raw bytes, anything else its UTF-8 bytes."""
    return bytes.fromhex(text[2:]) if text.startswith("0x") else text.encode()


def pairs_of(raw: list[list[str]]) -> list[tuple[bytes, bytes]]:
    return [(as_bytes(k), as_bytes(v)) for k, v in raw]


def root_encoding(pairs: list[tuple[bytes, bytes]], layout: int = 0) -> bytes:
    merged = dict(pairs)
    keys = sorted(merged)
    return build_root_encoding([k.hex() for k in keys], [merged[k] for k in keys], layout)


def test_empty_trie(vectors: dict) -> None:
    case = vectors["trie"]["empty_trie_root"]
    assert root_encoding([]) == as_bytes(case["encoded_root_node"])
    assert EMPTY_ROOT == as_bytes(case["root"])
    assert trie_root([]) == EMPTY_ROOT
    assert trie_root([], layout=1) == EMPTY_ROOT
    assert ordered_trie_root([]) == EMPTY_ROOT


@pytest.mark.parametrize("layout", [0, 1])
def test_sp_trie_node_encodings(vectors: dict, layout: int) -> None:
    for case in vectors["trie"]["sp_trie_node_encodings"]["cases"]:
        pairs = pairs_of(case["pairs"])
        assert root_encoding(pairs, layout) == as_bytes(case["encoded_root_node"])
        assert trie_root(pairs, layout) == as_bytes(case["root"])


@pytest.mark.parametrize("layout", [0, 1])
def test_state_machine_roots(vectors: dict, layout: int) -> None:
    for case in vectors["trie"]["state_machine_roots"]["cases"]:
        assert trie_root(pairs_of(case["pairs"]), layout) == as_bytes(case["root"])


def test_smoldot_doc_example(vectors: dict) -> None:
    case = vectors["trie"]["smoldot_doc_example"]
    assert trie_root(pairs_of(case["pairs"])) == as_bytes(case["root"])


def test_w3f_trie_roots_with_duplicate_keys(vectors: dict) -> None:
    for case in vectors["trie"]["w3f_conformance_trie_root"]["cases"]:
        expected = as_bytes(case["root"])
        assert trie_root(pairs_of(case["input_pairs_in_order"])) == expected
        assert trie_root(pairs_of(case["effective_pairs"])) == expected


def test_w3f_ordered_trie_roots(vectors: dict) -> None:
    for case in vectors["trie"]["w3f_conformance_ordered_trie_root"]["cases"]:
        values = [as_bytes(v) for v in case["values"]]
        assert ordered_trie_root(values) == as_bytes(case["root"])


def test_layout_v0_vs_v1(vectors: dict) -> None:
    case = vectors["trie"]["layout_v0_vs_v1"]
    pairs = pairs_of(case["pairs"])
    assert trie_root(pairs, 0) == as_bytes(case["root_v0"])
    assert trie_root(pairs, 1) == as_bytes(case["root_v1"])


def test_v1_threshold_is_33_bytes() -> None:
    short, long = b"x" * 32, b"x" * 33
    assert trie_root([(b"k", short)], 1) == trie_root([(b"k", short)], 0)
    assert trie_root([(b"k", long)], 1) != trie_root([(b"k", long)], 0)
    # hashed-value leaf: header 001 + 5 bits, partial, then the bare value hash
    assert root_encoding([(b"k", long)], 1) == b"\x22" + b"k" + blake2_256(long)


@pytest.mark.parametrize(("count", "header"), [
    (2, "42"), (62, "7e"), (63, "7f00"), (64, "7f01"), (318, "7fff00"), (63 + 255 + 1, "7fff01"),
])
def test_leaf_header_nibble_count(count: int, header: str) -> None:
    assert encode_header(LEAF, count).hex() == header


def test_partial_key_padding() -> None:
    assert encode_partial("314") == bytes([0x03, 0x14])
    assert encode_partial("aa") == b"\xaa"
    assert encode_partial("") == b""


def test_long_partial_round_trip() -> None:
    key = bytes(range(200))  # 400 nibbles: extended header with two overflow bytes
    enc = root_encoding([(key, b"v")])
    assert enc[:3] == bytes([0x7F, 0xFF, 400 - 63 - 255])
    node = decode_node(enc)
    assert node is not None and node.partial == key.hex() and node.value == b"v"


def test_decode_branch_with_inline_children() -> None:
    node = decode_node(bytes.fromhex("8012001443031404ff1443081904fe"))
    assert node is not None and node.partial == "" and node.value is None
    assert node.children is not None
    assert [i for i, c in enumerate(node.children) if c is not None] == [1, 4]
    assert node.children[1].partial == "314" and node.children[1].value == b"\xff"
    assert node.children[4].partial == "819" and node.children[4].value == b"\xfe"


@pytest.mark.parametrize("bad", ["01", "7f", "4303", "8000", "42aa08bb", "42aa04bbcc"])
def test_decode_rejects_malformed(bad: str) -> None:
    with pytest.raises(TrieCodecError):
        decode_node(bytes.fromhex(bad))


@pytest.mark.parametrize(("n", "enc"), [
    (0, "00"), (1, "04"), (63, "fc"), (64, "0101"), (16383, "fdff"), (16384, "02000100"),
    (2**30 - 1, "feffffff"), (2**30, "0300000040"), (2**32, "070000000001"),
])
def test_compact(n: int, enc: str) -> None:
    assert encode_compact(n).hex() == enc
    assert decode_compact(bytes.fromhex(enc)) == (n, len(enc) // 2)


def test_ordered_root_keys_are_compact_indices() -> None:
    values = [bytes([i]) * (i % 40) for i in range(70)]  # crosses the 2-byte compact at 64
    expected = trie_root([(encode_compact(i), v) for i, v in enumerate(values)])
    assert ordered_trie_root(values) == expected
