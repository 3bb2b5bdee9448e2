"""Ticket numbers: the official reference a customer reads out over the phone (SPEC §4).

Eight characters from Crockford's base-32 alphabet (no I, L, O or U, so nothing is misheard or misread),
grouped 4-4, e.g. ``K7QM-4X2A``. The first seven carry a value from a PostgreSQL sequence, which is what
makes numbers unique under any concurrency; the eighth is a check character that catches a mistyped
number before any lookup.

**The scramble is keyed.** A sequence value n is sent through a keyed permutation (a Feistel network
whose round function is HMAC-SHA256 under ``settings.TICKET_NUMBER_KEY``), so that without the key the
next number cannot be computed from this source or from numbers already seen, while ``encode`` stays a
bijection: every sequence value has its own number, straight from the sequence, with no retries.

**The check character is Damm's** over a totally anti-symmetric quasigroup of order 32 (below): it
catches every single mistyped character and every swap of two neighbours, the check character included,
which the Luhn mod-32 character used before could not (Luhn mod N misses some swaps: a sample found 78
of 36,659).

**Numbers issued before (legacy numbers) keep working.** They are printed on customers' emails, so
they are never rewritten. They were ``A(n)`` for a sequence value n below ``LEGACY_LIMIT``, where A is
the public affine map this module used alone then, followed by a Luhn character. New numbers are
``A(LEGACY_LIMIT + P(n))`` for the keyed permutation P, followed by a Damm character. A⁻¹ is public, so
anyone (``normalise`` has no key) can tell the two kinds apart exactly: a number whose ``A⁻¹`` is below
``LEGACY_LIMIT`` is a legacy number and is checked by Luhn, any other is new and is checked by Damm. The
two kinds never share a number (their data parts lie in disjoint ranges), and each is checked by the
algorithm it was issued with.

What that costs, and why it beats accepting "Luhn-valid OR Damm-valid" everywhere: under the OR rule a
mistyped new number would pass as a Luhn-valid one about once in 32 errors. Here it has to land in the
legacy range first (about once in 2,048 errors, LEGACY_LIMIT / 2³⁵) and then be Luhn-valid (once in 32):
about once in 65,000 errors — and such a string is exactly a number the old scheme issues, which no rule
that keeps old numbers valid can refuse. A mistyped legacy number mostly lands in the new range, where
Damm lets about one error in 32 through, as the OR rule would (Luhn alone caught all its substitutions
and all but 0.2 % of its swaps); a lookup then finds nothing unless that exact new number was issued.
In exchange, most of the swaps Luhn missed in legacy numbers are now caught.

**Changing the key** changes the numbers of future sequence values only; stored numbers stay valid
(``normalise`` needs no key). A number issued under the new key could repeat one issued under the old
key (about n / 2³⁵ for each new ticket, n the numbers issued under the old key), so the ticket service
takes the next sequence value when a number is already on record (tickets.services.intake).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Any

from django.conf import settings

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BASE = len(ALPHABET)
DATA_LENGTH = 7
SPACE = BASE**DATA_LENGTH  # 2**35 = 34,359,738,368 data values
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
# Crockford's decoding of look-alikes, so a number read back as "O" or "l" still finds the ticket.
_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})

# --- The public affine map A (the whole scramble of legacy numbers) ------------------------------------
# Multiplier must be odd (coprime with 2**35) for the map to be a bijection on [0, SPACE).
_MULTIPLIER = 0x5DEECE66D & (SPACE - 1) | 1
_OFFSET = 0x2545F491 % SPACE
_MULTIPLIER_INVERSE = pow(_MULTIPLIER, -1, SPACE)

# Every legacy number came from a sequence value below this (checked when this scheme was installed,
# tickets/migrations/0014_ticket_numbers_legacy_range.py). Never change it: numbers on either side of it
# are checked by different algorithms.
LEGACY_LIMIT = 2**24

# --- The keyed permutation P of [0, KEYED_SIZE) -------------------------------------------------------
KEYED_SIZE = SPACE - LEGACY_LIMIT
# A Feistel network on the 35 bits of the data space, in halves of 17 and 18 bits that trade places each
# round (as NIST's FF1 does for odd lengths), ten rounds as FF1 uses. Each round function is HMAC-SHA256
# under the key, of the round's index and the half that is not being changed; any such network is a
# permutation whatever its round functions, and its inverse runs the rounds backwards. It permutes all of
# [0, 2**35); to stay within [0, KEYED_SIZE) it is cycle-walked: an output at or above KEYED_SIZE is sent
# through again until it falls below, which is a permutation of [0, KEYED_SIZE) (Black and Rogaway,
# "Ciphers with arbitrary finite domains", 2002): the walk from x ends at the next element of the
# domain on x's cycle, and two starting points in the domain cannot end at the same one, as each walk
# passes only through values outside the domain. One input in 2,048 (LEGACY_LIMIT / 2**35) walks.
_BITS = 35
# The inner and outer SHA-256 states of an HMAC key (hashlib's hash type is not public).
_Mac = tuple[Any, Any]
_LOW_BITS = 18  # the right half at the start; the left one has the other 17
_ROUNDS = 10


@lru_cache(maxsize=8)
def _mac(key: str) -> _Mac:
    """HMAC-SHA256 (RFC 2104) with its two padded keys hashed once per key: the inner and outer hash
    states that each round function call copies (the hmac module's copy() costs several times more)."""
    if not key:
        raise ValueError("TICKET_NUMBER_KEY is empty")
    block = hashlib.sha256().block_size
    secret = key.encode()
    if len(secret) > block:
        secret = hashlib.sha256(secret).digest()
    secret = secret.ljust(block, b"\0")
    inner = hashlib.sha256(bytes(byte ^ 0x36 for byte in secret))
    outer = hashlib.sha256(bytes(byte ^ 0x5C for byte in secret))
    return inner, outer


def _round(mac: _Mac, index: int, half: int, bits: int) -> int:
    """The round function: the top `bits` bits of HMAC-SHA256(key, index ‖ half)."""
    inner, outer = (state.copy() for state in mac)
    inner.update(bytes((index,)) + half.to_bytes(3, "big"))
    outer.update(inner.digest())
    return int.from_bytes(outer.digest()[:4], "big") >> (32 - bits)


def _feistel(value: int, mac: _Mac) -> int:
    # (left, right) with widths (a, b); each round left' = right, right' = left XOR F(right), so the
    # widths swap: after an even number of rounds they are back where they started.
    left_bits, right_bits = _BITS - _LOW_BITS, _LOW_BITS
    left, right = value >> right_bits, value & ((1 << right_bits) - 1)
    for index in range(_ROUNDS):
        left, right = right, left ^ _round(mac, index, right, left_bits)
        left_bits, right_bits = right_bits, left_bits
    return (left << right_bits) | right


def _feistel_inverse(value: int, mac: _Mac) -> int:
    left_bits, right_bits = _BITS - _LOW_BITS, _LOW_BITS
    left, right = value >> right_bits, value & ((1 << right_bits) - 1)
    for index in reversed(range(_ROUNDS)):
        left_bits, right_bits = right_bits, left_bits
        left, right = right ^ _round(mac, index, left, left_bits), left
    return (left << right_bits) | right


def _permute(value: int, mac: _Mac) -> int:
    value = _feistel(value, mac)
    while value >= KEYED_SIZE:
        value = _feistel(value, mac)
    return value


def _unpermute(value: int, mac: _Mac) -> int:
    value = _feistel_inverse(value, mac)
    while value >= KEYED_SIZE:
        value = _feistel_inverse(value, mac)
    return value


# --- The check characters -----------------------------------------------------------------------------
# Damm's algorithm over the quasigroup x ∘ y = a·x + y of GF(32), a = 2 (the class of X in
# GF(2)[X] / (X⁵ + X² + 1); X⁵ + X² + 1 is irreducible, so this is a field; + is XOR).
#
# It is a quasigroup (its table is a Latin square): for fixed x, y ↦ a·x + y is a translation, a
# bijection; for fixed y, x ↦ a·x + y is a bijection because a ≠ 0 has an inverse in the field.
#
# It is totally anti-symmetric: (c∘x)∘y = a²c + a·x + y and (c∘y)∘x = a²c + a·y + x, so equality
# means a·x + y = a·y + x, i.e. (a + 1)(x + y) = 0 (characteristic 2: minus is plus). As a ≠ 1,
# a + 1 ≠ 0, and a field has no zero divisors, so x + y = 0: x = y.
#
# Damm's check: fold the characters through ∘ starting from 0; a number is valid when the fold of all
# eight is 0, so the check character c after seven data characters with fold f is the one with
# f ∘ c = 0, c = a·f. Every single substitution changes the fold at its position (x ↦ f∘x is a
# bijection), every swap of two different neighbours changes it after the pair (anti-symmetry), and
# each later step z ↦ z∘d is a bijection, so the final fold is not 0 — for the check character's
# position as for any other. (Unrolled, the fold is Σ a^(7-i)·d_i; the weights a⁰ … a⁷ are distinct as
# a has order 31, which also catches swaps of any two characters and twin errors, xx → yy.)
_DAMM_MULTIPLIER = 2
_FIELD_MODULUS = 0b100101  # X⁵ + X² + 1


def _gf32_multiply(x: int, y: int) -> int:
    product = 0
    while y:
        if y & 1:
            product ^= x
        y >>= 1
        x <<= 1
        if x & 0b100000:
            x ^= _FIELD_MODULUS
    return product


DAMM_TABLE: tuple[tuple[int, ...], ...] = tuple(
    tuple(_gf32_multiply(_DAMM_MULTIPLIER, x) ^ y for y in range(BASE)) for x in range(BASE)
)


def _damm_fold(values: list[int]) -> int:
    interim = 0
    for value in values:
        interim = DAMM_TABLE[interim][value]
    return interim


def damm_check_value(data: list[int]) -> int:
    """The Damm check value of seven data values: the c for which the fold of all eight is 0."""
    return _gf32_multiply(_DAMM_MULTIPLIER, _damm_fold(data))


def _luhn_check_symbol(values: list[int]) -> int:
    """Luhn mod 32, the check character of legacy numbers (kept only to check them)."""
    factor = 2
    total = 0
    for value in reversed(values):
        addend = factor * value
        factor = 1 if factor == 2 else 2
        total += addend // BASE + addend % BASE
    return (BASE - total % BASE) % BASE


# --- Numbers --------------------------------------------------------------------------------------------


def _digits(value: int) -> list[int]:
    digits: list[int] = []
    for _ in range(DATA_LENGTH):
        value, digit = divmod(value, BASE)
        digits.append(digit)
    digits.reverse()
    return digits


def _format(values: list[int]) -> str:
    text = "".join(ALPHABET[v] for v in values)
    return f"{text[:4]}-{text[4:]}"


def _unscrambled(values: list[int]) -> int:
    """A⁻¹ of a number's data part: below LEGACY_LIMIT for legacy numbers (their sequence value)."""
    data = 0
    for value in values[:DATA_LENGTH]:
        data = data * BASE + value
    return (data - _OFFSET) * _MULTIPLIER_INVERSE % SPACE


def _key(key: str | None) -> str:
    return settings.TICKET_NUMBER_KEY if key is None else key


def encode(sequence_value: int, *, key: str | None = None) -> str:
    """The ticket number for the n-th value of the ticket sequence (under TICKET_NUMBER_KEY, or `key`)."""
    if not 0 < sequence_value < KEYED_SIZE:
        raise ValueError("sequence value out of range for ticket numbers")
    scrambled = LEGACY_LIMIT + _permute(sequence_value, _mac(_key(key)))
    digits = _digits((scrambled * _MULTIPLIER + _OFFSET) % SPACE)
    return _format([*digits, damm_check_value(digits)])


def _values(raw: str) -> list[int] | None:
    cleaned = "".join(ch for ch in str(raw).upper() if ch.isalnum()).translate(_ALIASES)
    if len(cleaned) != DATA_LENGTH + 1 or any(ch not in _VALUE for ch in cleaned):
        return None
    return [_VALUE[ch] for ch in cleaned]


def is_legacy(number: str) -> bool:
    """Whether a (well-formed) number lies in the range of numbers issued before the keyed scheme."""
    values = _values(number)
    return values is not None and _unscrambled(values) < LEGACY_LIMIT


def normalise(raw: str) -> str | None:
    """The canonical form of a typed-in ticket number, or None if it cannot be one.

    Accepts lower case, missing or extra separators and Crockford's look-alike letters. A legacy number
    is checked by its Luhn character, any other by its Damm character (see the module's docstring)."""
    values = _values(raw)
    if values is None:
        return None
    if _unscrambled(values) < LEGACY_LIMIT:
        valid = _luhn_check_symbol(values[:DATA_LENGTH]) == values[DATA_LENGTH]
    else:
        valid = _damm_fold(values) == 0
    return _format(values) if valid else None


def sequence_value(number: str, *, key: str | None = None) -> int | None:
    """The sequence value a new number was issued for under this key (encode's inverse), or None for
    a legacy number or a string that is no valid number. For tests and investigations: nothing in the
    desk needs it, as the number itself is stored."""
    canonical = normalise(number)
    if canonical is None or is_legacy(canonical):
        return None
    values = _values(canonical)
    assert values is not None  # noqa: S101 (normalise accepted it)
    return _unpermute(_unscrambled(values) - LEGACY_LIMIT, _mac(_key(key)))
