"""sp-trie node codec (substrate.md §3.2-3.5), keys as lowercase hex nibble strings.

A nibble path is a `str` of hex digits, one per nibble ("0a1f"), so prefix
tests, slicing and packing are single C-level string operations. Layout 0
keeps every value inline; layout 1 stores values of >= 33 bytes by hash.
"""

from __future__ import annotations

import hashlib

HASH_LEN = 32
V1_VALUE_THRESHOLD = 33  # TRIE_VALUE_NODE_THRESHOLD
EMPTY_NODE = b"\x00"

# (header bits, number of length bits) per node kind
LEAF = (0x40, 6)
BRANCH_NO_VALUE = (0x80, 6)
BRANCH_WITH_VALUE = (0xC0, 6)
LEAF_HASHED_VALUE = (0x20, 5)
BRANCH_HASHED_VALUE = (0x10, 4)

NIBBLES = "0123456789abcdef"


class TrieCodecError(ValueError):
    """Bytes that are not a valid sp-trie node."""


def blake2_256(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=32).digest()


EMPTY_ROOT = blake2_256(EMPTY_NODE)


def encode_compact(n: int) -> bytes:
    """SCALE Compact encoding of a non-negative integer (canonical form)."""
    if n < 0x40:
        return bytes((n << 2,))
    if n < 0x4000:
        return ((n << 2) | 1).to_bytes(2, "little")
    if n < 0x40000000:
        return ((n << 2) | 2).to_bytes(4, "little")
    size = (n.bit_length() + 7) // 8
    return bytes((((size - 4) << 2) | 3,)) + n.to_bytes(size, "little")


def decode_compact(data: bytes, pos: int = 0) -> tuple[int, int]:
    """(value, position after it) of the Compact at data[pos]; raises TrieCodecError."""
    try:
        b = data[pos]
        mode = b & 3
        if mode == 0:
            return b >> 2, pos + 1
        if mode == 1:
            return int.from_bytes(data[pos:pos + 2], "little") >> 2, pos + 2
        if mode == 2:
            return int.from_bytes(data[pos:pos + 4], "little") >> 2, pos + 4
        size = (b >> 2) + 4
        if pos + 1 + size > len(data):
            raise IndexError
        return int.from_bytes(data[pos + 1:pos + 1 + size], "little"), pos + 1 + size
    except IndexError:
        raise TrieCodecError("truncated compact integer") from None


def encode_header(kind: tuple[int, int], count: int) -> bytes:
    """Node header for a partial key of `count` nibbles, with overflow bytes."""
    bits, len_bits = kind
    cap = (1 << len_bits) - 1
    if count < cap:
        return bytes((bits | count,))
    rest = count - cap
    return bytes((bits | cap,)) + b"\xff" * (rest // 255) + bytes((rest % 255,))


def encode_partial(nibbles: str) -> bytes:
    """Header-less partial key bytes: odd counts get a leading 0 nibble of padding."""
    return bytes.fromhex("0" + nibbles if len(nibbles) & 1 else nibbles)


def is_hashed_value(value: bytes, layout: int) -> bool:
    return layout == 1 and len(value) >= V1_VALUE_THRESHOLD


def encode_leaf(partial: str, value: bytes, vhash: bytes | None = None) -> bytes:
    """Leaf node; with vhash (V1 hashed value) the value is replaced by its hash."""
    if vhash is not None:
        return encode_header(LEAF_HASHED_VALUE, len(partial)) + encode_partial(partial) + vhash
    return (encode_header(LEAF, len(partial)) + encode_partial(partial)
            + encode_compact(len(value)) + value)


# compact(len) of a child reference: one byte, as every reference is <= 32 bytes
_REF_LENGTH = [bytes((n << 2,)) for n in range(HASH_LEN + 1)]


def encode_branch(partial: str, value: bytes | None, refs: list[bytes | None],
                  vhash: bytes | None = None) -> bytes:
    """Branch node; refs[i] is child i's reference (inline encoding or 32-byte hash)."""
    bitmap = 0
    parts = []
    bit = 1
    for ref in refs:
        if ref is not None:
            bitmap |= bit
            parts.append(_REF_LENGTH[len(ref)])
            parts.append(ref)
        bit <<= 1
    if vhash is not None:
        head = encode_header(BRANCH_HASHED_VALUE, len(partial)) + encode_partial(partial)
        head += bitmap.to_bytes(2, "little") + vhash
    elif value is not None:
        head = encode_header(BRANCH_WITH_VALUE, len(partial)) + encode_partial(partial)
        head += bitmap.to_bytes(2, "little") + encode_compact(len(value)) + value
    else:
        head = encode_header(BRANCH_NO_VALUE, len(partial)) + encode_partial(partial)
        head += bitmap.to_bytes(2, "little")
    return head + b"".join(parts)


def child_ref(encoding: bytes) -> bytes:
    """How a parent refers to a child: inline when shorter than 32 bytes, else its hash."""
    return encoding if len(encoding) < HASH_LEN else blake2_256(encoding)


class DecodedNode:
    """A parsed node: exactly one of value / vhash may be set; children None for a leaf.

    children[i] is None, a 32-byte hash, or an inline child's DecodedNode.
    """

    __slots__ = ("partial", "value", "vhash", "children")

    def __init__(self, partial: str, value: bytes | None, vhash: bytes | None,
                 children: list | None) -> None:
        self.partial = partial
        self.value = value
        self.vhash = vhash
        self.children = children


def decode_node(data: bytes) -> DecodedNode | None:
    """Parse one encoded node (None for the empty node); raises TrieCodecError."""
    node, end = _decode_at(data, 0)
    if end != len(data):
        raise TrieCodecError("trailing bytes after trie node")
    return node


def _decode_at(data: bytes, pos: int) -> tuple[DecodedNode | None, int]:
    if pos >= len(data):
        raise TrieCodecError("truncated trie node")
    b = data[pos]
    if b == 0:
        return None, pos + 1
    top = b >> 6
    if top == 1:
        is_branch, has_value, hashed, len_bits = False, True, False, 6
    elif top == 2:
        is_branch, has_value, hashed, len_bits = True, False, False, 6
    elif top == 3:
        is_branch, has_value, hashed, len_bits = True, True, False, 6
    elif b >> 5 == 1:
        is_branch, has_value, hashed, len_bits = False, True, True, 5
    elif b >> 4 == 1:
        is_branch, has_value, hashed, len_bits = True, True, True, 4
    else:
        raise TrieCodecError(f"invalid trie node header 0x{b:02x}")
    cap = (1 << len_bits) - 1
    count = b & cap
    pos += 1
    if count == cap:
        while True:
            if pos >= len(data):
                raise TrieCodecError("truncated nibble count")
            extra = data[pos]
            pos += 1
            count += extra
            if extra < 255:
                break
    nbytes = (count + 1) // 2
    packed = data[pos:pos + nbytes]
    if len(packed) != nbytes:
        raise TrieCodecError("truncated partial key")
    pos += nbytes
    partial = packed.hex()
    if count & 1:
        if partial[0] != "0":
            raise TrieCodecError("non-zero partial key padding")
        partial = partial[1:]
    children: list | None = None
    if is_branch:
        if pos + 2 > len(data):
            raise TrieCodecError("truncated branch bitmap")
        bitmap = int.from_bytes(data[pos:pos + 2], "little")
        pos += 2
        if bitmap == 0:
            raise TrieCodecError("branch without children")
    value = vhash = None
    if has_value:
        if hashed:
            vhash = data[pos:pos + HASH_LEN]
            if len(vhash) != HASH_LEN:
                raise TrieCodecError("truncated value hash")
            pos += HASH_LEN
        else:
            size, pos = decode_compact(data, pos)
            value = data[pos:pos + size]
            if len(value) != size:
                raise TrieCodecError("truncated value")
            pos += size
    if is_branch:
        children = [None] * 16
        for i in range(16):
            if bitmap >> i & 1:
                size, pos = decode_compact(data, pos)
                if size > HASH_LEN or pos + size > len(data):
                    raise TrieCodecError("bad child reference")
                if size == HASH_LEN:
                    children[i] = data[pos:pos + size]
                else:
                    child, end = _decode_at(data, pos)
                    if end != pos + size or child is None:
                        raise TrieCodecError("bad inline child")
                    children[i] = child
                pos += size
    return DecodedNode(partial, value, vhash, children), pos
