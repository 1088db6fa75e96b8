"""Short public references a resident can read out on the phone: RC-XXXX-XXXX, not guessable."""

import secrets

# Crockford's base32: no I, L, O or U, so nothing is misread aloud.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_ref() -> str:
    """40 random bits: guessing one reference in a million reports takes a billion tries on average."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"RC-{body[:4]}-{body[4:]}"
