"""The key-value difference between two persisted trie roots.

Walks both tries together and skips every subtree whose hash is the same on both
sides, so the cost follows the size of the difference, not of the state (a rewind of
a few blocks touches a few dozen keys of a state of thousands).
"""

from __future__ import annotations

from collections.abc import Iterator

from storage.trie.codec import NIBBLES
from storage.trie.nodes import Node, NodeStore


def trie_diff(store: NodeStore, old_root: bytes, new_root: bytes) -> dict[bytes, bytes | None]:
    """key -> value in `new_root` (None: absent there) for every key whose value differs.

    Raises MissingNodeError when either root (or a node under it) is not stored.
    """
    out: dict[bytes, bytes | None] = {}
    if old_root != new_root:
        _diff(store, "", store.load(old_root), "", store.load(new_root), out)
    return out


def _same(a: Node, b: Node) -> bool:
    return a is b or (a.enc is not None and a.enc == b.enc)


def _diff(store: NodeStore, a_above: str, a: Node | None, b_above: str, b: Node | None,
          out: dict[bytes, bytes | None]) -> None:
    if a is not None and b is not None and a_above == b_above and _same(a, b):
        return
    fa = None if a is None else a_above + a.partial
    fb = None if b is None else b_above + b.partial
    if a is None or b is None or fa != fb:
        # different shapes here: compare the two subtrees entry by entry
        old = dict(_walk(store, a_above, a))
        for k, v in _walk(store, b_above, b):
            if old.pop(k, None) != v:
                out[k] = v
        for k in old:
            out[k] = None
        return
    va = store.value_of(a) if a.has_value else None
    vb = store.value_of(b) if b.has_value else None
    if va != vb:
        out[bytes.fromhex(fb)] = vb  # type: ignore[arg-type]
    for i in range(16):
        ca = None if a.children is None else a.children[i]
        cb = None if b.children is None else b.children[i]
        if ca is None and cb is None or (isinstance(ca, bytes) and ca == cb):
            continue
        na = None if ca is None else store.resolve(ca)
        nb = None if cb is None else store.resolve(cb)
        _diff(store, fa + NIBBLES[i], na, fb + NIBBLES[i], nb, out)  # type: ignore[operator]


def _walk(store: NodeStore, above: str, node: Node | None) -> Iterator[tuple[bytes, bytes]]:
    """Every (key, value) of the subtree at `node` (whose parent path is `above`)."""
    if node is None:
        return
    stack: list[tuple[str, Node]] = [(above, node)]
    while stack:
        up, n = stack.pop()
        full = up + n.partial
        if n.has_value:
            yield bytes.fromhex(full), store.value_of(n)
        if n.children is not None:
            for i, slot in enumerate(n.children):
                if slot is not None:
                    stack.append((full + NIBBLES[i], store.resolve(slot)))
