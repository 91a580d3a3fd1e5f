"""Block header, digest and block encoding (substrate.md §4).

    Header = parent_hash ++ Compact<u32> number ++ state_root ++ extrinsics_root ++ Digest
    Block  = SCALE(header) ++ compact(count) ++ ext_1 ++ ... ++ ext_n   (each length-prefixed)
    hash   = blake2_256(SCALE(header))
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from runtime.codec import (
    BYTES,
    H256,
    U32,
    Compact,
    Enum,
    FixedBytes,
    Struct,
    Tuple,
    Variant,
    Vec,
    with_path,
)
from runtime.hashing import blake2_256
from runtime.scale import ScaleDecodeError, decode_compact, encode_compact

ENGINE_ID = FixedBytes(4, "ConsensusEngineId")
# Fixed indices: 1, 2, 3 and 7 belonged to retired variants and are never produced.
DIGEST_ITEM = with_path(Enum("DigestItem", [
    ("Other", BYTES, 0),
    ("Consensus", Tuple(ENGINE_ID, BYTES), 4),
    ("Seal", Tuple(ENGINE_ID, BYTES), 5),
    ("PreRuntime", Tuple(ENGINE_ID, BYTES), 6),
    ("RuntimeEnvironmentUpdated", None, 8),
]), "sp_runtime::generic::digest::DigestItem")
DIGEST_LOGS = Vec(DIGEST_ITEM)
DIGEST = with_path(Struct("Digest", [("logs", DIGEST_LOGS)]), "sp_runtime::generic::digest::Digest")


@dataclass
class Header:
    parent_hash: bytes
    number: int
    state_root: bytes
    extrinsics_root: bytes
    digest: list[Variant] = field(default_factory=list)

    def encode(self) -> bytes:
        return HEADER.encode(self)

    @classmethod
    def decode(cls, data: bytes) -> Header:
        """Decode exactly one header; raises ScaleDecodeError on bad or trailing bytes."""
        return HEADER.decode(data)  # type: ignore[no-any-return]

    def hash(self) -> bytes:
        """The block hash: blake2_256 of the encoded header (with any seal it carries)."""
        return blake2_256(self.encode())


HEADER = with_path(Struct("Header", [("parent_hash", H256), ("number", Compact(U32)),
                           ("state_root", H256), ("extrinsics_root", H256),
                           ("digest", DIGEST_LOGS)], Header),
    "sp_runtime::generic::header::Header", ("Number", U32))


def encode_block(header: Header, extrinsics: list[bytes]) -> bytes:
    """Header ++ compact(count) ++ the extrinsics as-is (each carries its length prefix)."""
    return header.encode() + encode_compact(len(extrinsics)) + b"".join(extrinsics)


def decode_block(data: bytes) -> tuple[Header, list[bytes]]:
    """(header, extrinsics with their length prefixes); ScaleDecodeError when malformed."""
    header, offset = HEADER.decode_from(data, 0)
    count, offset = decode_compact(data, offset)
    extrinsics = []
    for _ in range(count):
        length, body = decode_compact(data, offset)
        end = body + length
        if end > len(data):
            raise ScaleDecodeError("block: extrinsic runs past the end of the input")
        extrinsics.append(bytes(data[offset:end]))
        offset = end
    if offset != len(data):
        raise ScaleDecodeError(f"block: {len(data) - offset} trailing byte(s)")
    return header, extrinsics


def header_to_json(header: Header) -> dict[str, Any]:
    """The JSON-RPC shape of a header (chain_getHeader)."""
    return {
        "parentHash": "0x" + header.parent_hash.hex(),
        "number": hex(header.number),
        "stateRoot": "0x" + header.state_root.hex(),
        "extrinsicsRoot": "0x" + header.extrinsics_root.hex(),
        "digest": {"logs": ["0x" + DIGEST_ITEM.encode(d).hex() for d in header.digest]},
    }
