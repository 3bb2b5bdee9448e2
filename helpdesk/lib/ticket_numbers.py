"""Ticket numbers: the official reference a customer reads out over the phone (SPEC §4).

Eight characters from Crockford's base-32 alphabet (no I, L, O or U, so nothing is misheard or misread),
grouped 4-4, e.g. ``K7QM-4X2A``. The first seven carry a value from a PostgreSQL sequence, which is what
makes numbers unique under any concurrency; the value is scrambled by an affine bijection so that
neighbouring tickets do not have guessable neighbouring numbers. The eighth is a Luhn mod-32 check
character: a single mistyped character or a swap of two neighbours is caught before any lookup.
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BASE = len(ALPHABET)
DATA_LENGTH = 7
SPACE = BASE**DATA_LENGTH  # 34,359,738,368 numbers
# Multiplier must be odd (coprime with 2**35) for the map to be a bijection on [0, SPACE).
_MULTIPLIER = 0x5DEECE66D & (SPACE - 1) | 1
_OFFSET = 0x2545F491 % SPACE
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
# Crockford's decoding of look-alikes, so a number read back as "O" or "l" still finds the ticket.
_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})


def _luhn_check_symbol(values: list[int]) -> int:
    factor = 2
    total = 0
    for value in reversed(values):
        addend = factor * value
        factor = 1 if factor == 2 else 2
        total += addend // BASE + addend % BASE
    return (BASE - total % BASE) % BASE


def encode(sequence_value: int) -> str:
    """The ticket number for the n-th value of the ticket sequence."""
    if not 0 < sequence_value < SPACE:
        raise ValueError("sequence value out of range for ticket numbers")
    scrambled = (sequence_value * _MULTIPLIER + _OFFSET) % SPACE
    digits: list[int] = []
    for _ in range(DATA_LENGTH):
        scrambled, digit = divmod(scrambled, BASE)
        digits.append(digit)
    digits.reverse()
    digits.append(_luhn_check_symbol(digits))
    text = "".join(ALPHABET[d] for d in digits)
    return f"{text[:4]}-{text[4:]}"


def normalise(raw: str) -> str | None:
    """The canonical form of a typed-in ticket number, or None if it cannot be one.

    Accepts lower case, missing or extra separators and Crockford's look-alike letters.
    """
    cleaned = "".join(ch for ch in str(raw).upper() if ch.isalnum()).translate(_ALIASES)
    if len(cleaned) != DATA_LENGTH + 1 or any(ch not in _VALUE for ch in cleaned):
        return None
    values = [_VALUE[ch] for ch in cleaned]
    if _luhn_check_symbol(values[:-1]) != values[-1]:
        return None
    return f"{cleaned[:4]}-{cleaned[4:]}"
