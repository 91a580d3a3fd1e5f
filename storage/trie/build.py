"""From-scratch trie roots (substrate.md §3.6 closed form), iterative.

The sorted keys are split into the node ranges of the closed form with a work
stack (pre-order), then nodes are encoded in reverse pre-order so every child
reference exists before its parent needs it. No recursion, so key depth is
unbounded; cost is O(n log n) string operations.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable

from storage.trie.codec import (
    EMPTY_NODE,
    HASH_LEN,
    NIBBLES,
    blake2_256,
    encode_branch,
    encode_compact,
    encode_leaf,
    is_hashed_value,
)

# Receives (hash, bytes) for every node / V1 value blob that must be stored by hash.
Sink = Callable[[bytes, bytes], None]

_NEXT = {c: NIBBLES[i + 1] for i, c in enumerate(NIBBLES[:-1])}


def common_prefix_end(a: str, b: str, start: int) -> int:
    """Largest i >= start with a[start:i] == b[start:i] (binary search on C slices)."""
    hi = min(len(a), len(b))
    if a[start:hi] == b[start:hi]:
        return hi
    lo = start  # a[start:lo] == b[start:lo] and a[start:hi] != b[start:hi]
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if a[start:mid] == b[start:mid]:
            lo = mid
        else:
            hi = mid
    return lo


def _unique_sorted(items: Iterable[tuple[bytes, bytes]]) -> tuple[list[str], list[bytes]]:
    merged = dict(items)  # a later duplicate replaces an earlier one
    keys = sorted(merged)
    return [k.hex() for k in keys], [merged[k] for k in keys]


def _encode_value_node(partial: str, value: bytes, refs: list | None, layout: int,
                       sink: Sink | None) -> bytes:
    vhash = None
    if is_hashed_value(value, layout):
        vhash = blake2_256(value)
        if sink is not None:
            sink(vhash, value)
    if refs is None:
        return encode_leaf(partial, value, vhash)
    return encode_branch(partial, value, refs, vhash)


def build_root_encoding(hkeys: list[str], values: list[bytes], layout: int,
                        sink: Sink | None = None) -> bytes:
    """Encoded root node of the sorted unique hex keys; sink gets every hashed node.

    The root itself is passed to sink too (it is always stored by hash).
    """
    n = len(hkeys)
    if n == 0:
        if sink is not None:
            sink(blake2_256(EMPTY_NODE), EMPTY_NODE)
        return EMPTY_NODE
    # pre-order list of nodes: [partial, value|None, refs|None (leaf), parent index, nibble]
    nodes: list[list] = []
    work = [(0, n, 0, -1, 0)]
    while work:
        lo, hi, depth, parent, nib = work.pop()
        idx = len(nodes)
        first = hkeys[lo]
        if hi - lo == 1:
            nodes.append([first[depth:], values[lo], None, parent, nib])
            continue
        end = common_prefix_end(first, hkeys[hi - 1], depth)
        prefix = first[:end]
        value = None
        i = lo
        if len(first) == end:  # the shortest key ends at the branch: its value
            value = values[lo]
            i += 1
        nodes.append([first[depth:end], value, [None] * 16, parent, nib])
        while i < hi:
            c = hkeys[i][end]
            j = hi if c == "f" else bisect.bisect_left(hkeys, prefix + _NEXT[c], i, hi)
            work.append((i, j, end + 1, idx, int(c, 16)))
            i = j
    root_enc = EMPTY_NODE
    for partial, value, refs, parent, nib in reversed(nodes):
        if value is None:
            enc = encode_branch(partial, None, refs)
        else:
            enc = _encode_value_node(partial, value, refs, layout, sink)
        if parent < 0:
            root_enc = enc
            break  # the root is nodes[0], the last one processed
        if len(enc) < HASH_LEN:
            ref = enc
        else:
            ref = blake2_256(enc)
            if sink is not None:
                sink(ref, enc)
        nodes[parent][2][nib] = ref
    if sink is not None:
        sink(blake2_256(root_enc), root_enc)
    return root_enc


def trie_root(items: Iterable[tuple[bytes, bytes]], layout: int = 0) -> bytes:
    """blake2_256 of the root node of the trie holding items (later duplicates win)."""
    hkeys, values = _unique_sorted(items)
    return blake2_256(build_root_encoding(hkeys, values, layout))


def ordered_trie_root(values: list[bytes], layout: int = 0) -> bytes:
    """Trie root of {SCALE(Compact<u32>(i)): values[i]} (the extrinsics root)."""
    return trie_root(((encode_compact(i), v) for i, v in enumerate(values)), layout)
