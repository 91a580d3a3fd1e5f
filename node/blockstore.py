"""The node's records in the chain's LevelDB, beside the state (prefixes S/N/M are storage's).

    b"B" ++ hash            -> SCALE-encoded block (header ++ extrinsics)
    b"H" ++ u32be(number)   -> block hash (canonical chain)
    b"I" ++ hash            -> u32be(number)
    b"h"                    -> head block hash
    b"P" ++ u64be(seq)      -> pending extrinsic, in submission order
    b"K" ++ public key      -> secret URI (keystore: keys the node can sign with)
    b"G"                    -> the genesis file, byte for byte
    b"T"                    -> u64le ms: the next authored block's timestamp (node.dev
                               time travel), deleted by the block that uses it

Nothing here writes on its own: callers collect `puts`/`deletes` and hand them to
`ChainState.commit_block` so a block, its state and the pool change in one batch.
"""

from __future__ import annotations

from collections.abc import Iterator

from runtime.header import Header, decode_block, encode_block
from storage.backend import Backend

BLOCK, HASH_OF, NUMBER_OF, HEAD, PENDING, KEYSTORE, GENESIS, NEXT_TIMESTAMP = (
    b"B", b"H", b"I", b"h", b"P", b"K", b"G", b"T")


class StoreError(Exception):
    """Missing or inconsistent block-store records (corrupt chain data)."""


class BlockStore:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    # -- reads ----------------------------------------------------------------------------
    def genesis_text(self) -> bytes | None:
        return self.backend.get(GENESIS)

    def head_hash(self) -> bytes:
        h = self.backend.get(HEAD)
        if h is None:
            raise StoreError("the chain has no head block record")
        return h

    def hash_of(self, number: int) -> bytes | None:
        if not 0 <= number < 1 << 32:
            return None
        return self.backend.get(HASH_OF + number.to_bytes(4, "big"))

    def number_of(self, block_hash: bytes) -> int | None:
        raw = self.backend.get(NUMBER_OF + block_hash)
        return None if raw is None else int.from_bytes(raw, "big")

    def block_bytes(self, block_hash: bytes) -> bytes:
        raw = self.backend.get(BLOCK + block_hash)
        if raw is None:
            raise StoreError(f"block 0x{block_hash.hex()} is not in the block store")
        return raw

    def block(self, block_hash: bytes) -> tuple[Header, list[bytes]]:
        return decode_block(self.block_bytes(block_hash))

    def header(self, block_hash: bytes) -> Header:
        return self.block(block_hash)[0]

    def pending(self) -> list[tuple[bytes, bytes]]:
        """(record key, encoded extrinsic) in submission order."""
        return list(self.backend.iter_prefix(PENDING))

    def next_pending_key(self) -> bytes:
        last = -1
        for k, _ in self.backend.iter_prefix(PENDING):
            last = int.from_bytes(k[1:], "big")
        return PENDING + (last + 1).to_bytes(8, "big")

    def next_timestamp(self) -> int | None:
        """The timestamp set for the next authored block (time travel), if any."""
        raw = self.backend.get(NEXT_TIMESTAMP)
        return None if raw is None else int.from_bytes(raw, "little")

    def keystore(self) -> Iterator[tuple[bytes, str]]:
        for k, v in self.backend.iter_prefix(KEYSTORE):
            yield k[1:], v.decode()

    # -- records to write ----------------------------------------------------------------
    @staticmethod
    def block_records(header: Header, extrinsics: list[bytes]) -> tuple[bytes, dict[bytes, bytes]]:
        """(block hash, the puts that store the block and make it the head)."""
        h = header.hash()
        num = header.number.to_bytes(4, "big")
        return h, {BLOCK + h: encode_block(header, extrinsics), HASH_OF + num: h,
                   NUMBER_OF + h: num, HEAD: h}

    @staticmethod
    def keystore_record(public_key: bytes, secret_uri: str) -> tuple[bytes, bytes]:
        return KEYSTORE + public_key, secret_uri.encode()

    @staticmethod
    def genesis_record(text: bytes) -> tuple[bytes, bytes]:
        return GENESIS, text
