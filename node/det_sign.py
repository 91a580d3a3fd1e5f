"""Deterministic sr25519 (schnorrkel) signatures for the simulated workers.

The sr25519 binding signs with fresh OS randomness, so two runs of the same simulation
would author different blocks. The node's simulator must be deterministic (spec README
decision 5, the replay/head-hash tests), so it signs here instead: schnorrkel's own
algorithm — Merlin transcript (STROBE-128 over Keccak-f[1600]) in the Substrate signing
context, `R = r·B`, `s = k·key + r` — where the transcript RNG is finalized with 32 zero
bytes instead of OS randomness. The nonce `r` still depends on the secret key's nonce
half and on the whole transcript (public key and message), as in schnorrkel, so equal
inputs give equal signatures and distinct messages distinct nonces. The result is an
ordinary sr25519 signature: `runtime.crypto.sr25519_verify` (the Rust verifier) accepts it.

Speed: Keccak-f runs in pycryptodome's C implementation when a start-up self-test
proves its state layout (a few µs per permutation); otherwise in Python (~0.3 ms).
`R = r·B` uses the system libsodium's Ristretto base-point multiplication when it is
there and agrees with the portable path on probes; otherwise PyNaCl's Ed25519 base-point
multiplication and Python integers for the Ristretto encoding.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import glob
import os
from collections.abc import Callable

from nacl.bindings import crypto_scalarmult_ed25519_base_noclamp

from runtime import crypto

# -- Keccak-f[1600] ------------------------------------------------------------------------
_RC = [0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000,
       0x000000000000808B, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
       0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
       0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003,
       0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
       0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008]
_ROT = [0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2,
        61, 56, 14]
_M64 = (1 << 64) - 1


def keccak_f_python(state: bytes) -> bytes:
    """Keccak-f[1600] on 200 bytes (lanes little-endian, index x + 5y)."""
    a = [int.from_bytes(state[8 * i:8 * i + 8], "little") for i in range(25)]
    for rc in _RC:
        c = [a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20] for x in range(5)]
        d = [c[(x + 4) % 5] ^ (((c[(x + 1) % 5] << 1) | (c[(x + 1) % 5] >> 63)) & _M64)
             for x in range(5)]
        b = [0] * 25
        for i in range(25):
            x, y = i % 5, i // 5
            v, r = a[i] ^ d[x], _ROT[i]
            b[y + 5 * ((2 * x + 3 * y) % 5)] = ((v << r) | (v >> (64 - r))) & _M64 if r else v
        for y in range(0, 25, 5):
            for x in range(5):
                a[y + x] = b[y + x] ^ (~b[y + (x + 1) % 5] & b[y + (x + 2) % 5])
        a[0] ^= rc
    return b"".join(v.to_bytes(8, "little") for v in a)


def _c_keccak() -> Callable[[bytes], bytes] | None:
    """pycryptodome's C Keccak used as a bare permutation: copy the 200 state bytes into
    its (leading) `state[25]` field, absorb one rate block of zeros (XOR with zero, then
    permute), read the state back. None unless a self-test agrees with Python."""
    try:
        import Crypto.Hash

        path = glob.glob(os.path.join(os.path.dirname(Crypto.Hash.__file__), "_keccak*"))[0]
        lib = ctypes.CDLL(path)
        handle = ctypes.c_void_p()
        if lib.keccak_init(ctypes.byref(handle), ctypes.c_size_t(32), ctypes.c_uint8(24)):
            return None
        zeros, rate = bytes(168), ctypes.c_size_t(168)
        addr = handle.value
        if addr is None:
            return None

        def permute(state: bytes) -> bytes:
            ctypes.memmove(addr, state, 200)
            lib.keccak_absorb(handle, zeros, rate)
            return ctypes.string_at(addr, 200)

        probe = bytes(range(200))
        if permute(probe) != keccak_f_python(probe):
            return None
        return permute
    except (OSError, IndexError, AttributeError, ImportError):
        return None


keccak_f: Callable[[bytes], bytes] = _c_keccak() or keccak_f_python

# -- STROBE-128 / Merlin (the subset Merlin uses) ----------------------------------------
_R = 166
_FLAG_I, _FLAG_A, _FLAG_C, _FLAG_M, _FLAG_K = 1, 2, 4, 16, 32


class Strobe:
    __slots__ = ("st", "pos", "pos_begin", "cur_flags")

    def __init__(self, protocol: bytes | None = None) -> None:
        st = bytearray(200)
        st[0:6] = bytes([1, _R + 2, 1, 0, 1, 96])
        st[6:18] = b"STROBEv1.0.2"
        self.st = bytearray(keccak_f(bytes(st)))
        self.pos = self.pos_begin = self.cur_flags = 0
        if protocol is not None:
            self.meta_ad(protocol, False)

    def clone(self) -> Strobe:
        c = Strobe.__new__(Strobe)
        c.st, c.pos, c.pos_begin, c.cur_flags = bytearray(self.st), self.pos, \
            self.pos_begin, self.cur_flags
        return c

    def _run_f(self) -> None:
        self.st[self.pos] ^= self.pos_begin
        self.st[self.pos + 1] ^= 0x04
        self.st[_R + 1] ^= 0x80
        self.st = bytearray(keccak_f(bytes(self.st)))
        self.pos = self.pos_begin = 0

    # Byte-wise STROBE operations, done a run at a time up to the rate boundary.
    def _absorb(self, data: bytes) -> None:
        i = 0
        while i < len(data):
            take = min(_R - self.pos, len(data) - i)
            p = self.pos
            x = int.from_bytes(self.st[p:p + take], "little") ^ \
                int.from_bytes(data[i:i + take], "little")
            self.st[p:p + take] = x.to_bytes(take, "little")
            self.pos += take
            i += take
            if self.pos == _R:
                self._run_f()

    def _overwrite(self, data: bytes) -> None:
        i = 0
        while i < len(data):
            take = min(_R - self.pos, len(data) - i)
            self.st[self.pos:self.pos + take] = data[i:i + take]
            self.pos += take
            i += take
            if self.pos == _R:
                self._run_f()

    def _squeeze(self, n: int) -> bytes:
        out = bytearray()
        while len(out) < n:
            take = min(_R - self.pos, n - len(out))
            out += self.st[self.pos:self.pos + take]
            self.st[self.pos:self.pos + take] = bytes(take)
            self.pos += take
            if self.pos == _R:
                self._run_f()
        return bytes(out)

    def _begin_op(self, flags: int, more: bool) -> None:
        if more:
            return
        old_begin = self.pos_begin
        self.pos_begin = self.pos + 1
        self.cur_flags = flags
        self._absorb(bytes([old_begin, flags]))
        if flags & (_FLAG_C | _FLAG_K) and self.pos != 0:
            self._run_f()

    def meta_ad(self, data: bytes, more: bool) -> None:
        self._begin_op(_FLAG_M | _FLAG_A, more)
        self._absorb(data)

    def ad(self, data: bytes, more: bool) -> None:
        self._begin_op(_FLAG_A, more)
        self._absorb(data)

    def prf(self, n: int) -> bytes:
        self._begin_op(_FLAG_I | _FLAG_A | _FLAG_C, False)
        return self._squeeze(n)

    def key(self, data: bytes) -> None:
        self._begin_op(_FLAG_A | _FLAG_C, False)
        self._overwrite(data)


def _len32(n: int) -> bytes:
    return n.to_bytes(4, "little")


class Transcript:
    """Merlin v1.0 transcript."""

    __slots__ = ("strobe",)

    def __init__(self, label: bytes | None) -> None:
        if label is None:
            return
        self.strobe = Strobe(b"Merlin v1.0")
        self.append_message(b"dom-sep", label)

    def clone(self) -> Transcript:
        t = Transcript(None)
        t.strobe = self.strobe.clone()
        return t

    def append_message(self, label: bytes, message: bytes) -> None:
        self.strobe.meta_ad(label, False)
        self.strobe.meta_ad(_len32(len(message)), True)
        self.strobe.ad(message, False)

    def challenge_bytes(self, label: bytes, n: int) -> bytes:
        self.strobe.meta_ad(label, False)
        self.strobe.meta_ad(_len32(n), True)
        return self.strobe.prf(n)

    def witness_bytes(self, label: bytes, witness: bytes, n: int) -> bytes:
        """build_rng().rekey_with_witness_bytes(label, witness).finalize(zero rng) → n bytes."""
        s = self.strobe.clone()
        s.meta_ad(label, False)
        s.meta_ad(_len32(len(witness)), True)
        s.key(witness)
        s.meta_ad(b"rng", False)
        s.key(bytes(32))  # the deterministic "random" bytes
        s.meta_ad(_len32(n), False)
        return s.prf(n)


# -- Ristretto255 over Ed25519 ---------------------------------------------------------
_P = 2**255 - 19
_L = 2**252 + 27742317777372353535851937790883648493
_D = (-121665 * pow(121666, _P - 2, _P)) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)
_INVSQRT_A_MINUS_D = 54469307008909316920995813868745141605393597292927456921205312896311721017578


def _is_negative(x: int) -> bool:
    return x % _P & 1 == 1


def _sqrt_ratio_m1(u: int, v: int) -> tuple[bool, int]:
    v3 = v * v % _P * v % _P
    v7 = v3 * v3 % _P * v % _P
    r = u * v3 % _P * pow(u * v7 % _P, (_P - 5) // 8, _P) % _P
    check = v * r % _P * r % _P
    correct, flipped = check == u % _P, check == (-u) % _P
    flipped_i = check == (-u * _SQRT_M1) % _P
    if flipped or flipped_i:
        r = r * _SQRT_M1 % _P
    if _is_negative(r):
        r = _P - r
    return correct or flipped, r


def _edwards_decompress(enc: bytes) -> tuple[int, int]:
    y = int.from_bytes(enc, "little") & ((1 << 255) - 1)
    sign = enc[31] >> 7
    u, v = (y * y - 1) % _P, (_D * y * y + 1) % _P
    _, x = _sqrt_ratio_m1(u, v)
    if (x & 1) != sign:
        x = _P - x
    return x, y


def ristretto_encode(x: int, y: int) -> bytes:
    """The Ristretto255 encoding of the Edwards point (x, y) (Z = 1, T = xy)."""
    t = x * y % _P
    u1 = (1 + y) * (1 - y) % _P
    u2 = x * y % _P
    _, invsqrt = _sqrt_ratio_m1(1, u1 * u2 % _P * u2 % _P)
    den1, den2 = invsqrt * u1 % _P, invsqrt * u2 % _P
    z_inv = den1 * den2 % _P * t % _P
    if _is_negative(t * z_inv):
        x, y = y * _SQRT_M1 % _P, x * _SQRT_M1 % _P
        den_inv = den1 * _INVSQRT_A_MINUS_D % _P
    else:
        den_inv = den2
    if _is_negative(x * z_inv):
        y = (-y) % _P
    s = den_inv * (1 - y) % _P
    if _is_negative(s):
        s = _P - s
    return s.to_bytes(32, "little")


def base_mul_python(scalar: int) -> bytes:
    """Ristretto encoding of `scalar`·B (0 < scalar < L): libsodium's Ed25519 base-point
    multiplication, then two modular square roots in Python (~0.2 ms each)."""
    return ristretto_encode(*_edwards_decompress(
        crypto_scalarmult_ed25519_base_noclamp(scalar.to_bytes(32, "little"))))


def _c_ristretto_base() -> Callable[[int], bytes] | None:
    """The system libsodium's `crypto_scalarmult_ristretto255_base` (>= 1.0.18; PyNaCl's
    bundled copy does not export it): the whole `base_mul` in C, about ten times faster.
    None unless the library is there and agrees with `base_mul_python` on probes."""
    try:
        lib = ctypes.CDLL(ctypes.util.find_library("sodium") or "libsodium.so.23")
        fn = lib.crypto_scalarmult_ristretto255_base
        if lib.sodium_init() < 0:
            return None
    except (OSError, AttributeError):
        return None

    def mul(scalar: int) -> bytes:
        # the scalar is < L < 2^253, so libsodium's clearing of bit 255 changes nothing
        out = ctypes.create_string_buffer(32)
        if fn(out, scalar.to_bytes(32, "little")) != 0:
            raise ValueError("scalar·B is the identity")
        return out.raw

    for probe in (1, 2, 0x1234567890ABCDEF, _L - 1, (_L * 7) // 11):
        if mul(probe) != base_mul_python(probe):
            return None
    return mul


base_mul: Callable[[int], bytes] = _c_ristretto_base() or base_mul_python


# -- schnorrkel signing ------------------------------------------------------------------
_SUBSTRATE_CONTEXT = Transcript(b"SigningContext")
_SUBSTRATE_CONTEXT.append_message(b"", crypto.SR25519_CONTEXT)


def sign(public: bytes, secret: bytes, message: bytes) -> bytes:
    """A deterministic 64-byte sr25519 signature of `message` (Substrate context).

    `secret` is the binding's 64-byte secret (scalar key ++ nonce), `public` its key."""
    key = int.from_bytes(secret[:32], "little")
    t = _SUBSTRATE_CONTEXT.clone()
    t.append_message(b"sign-bytes", message)
    t.append_message(b"proto-name", b"Schnorr-sig")
    t.append_message(b"sign:pk", public)
    r = int.from_bytes(t.witness_bytes(b"signing", secret[32:64], 64), "little") % _L
    big_r = base_mul(r)
    t.append_message(b"sign:R", big_r)
    k = int.from_bytes(t.challenge_bytes(b"sign:c", 64), "little") % _L
    s = (k * key + r) % _L
    sig = bytearray(big_r + s.to_bytes(32, "little"))
    sig[63] |= 0x80  # schnorrkel's marker: not an ed25519 signature
    return bytes(sig)
