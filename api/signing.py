"""HMAC-SHA256 of a purpose and a message under the secret key: session cookies and CSRF tokens."""

import base64
import hashlib
import hmac

from core.settings import get_settings


def sign(purpose: str, message: str) -> str:
    """A URL-safe MAC; the purpose keeps a token made for one use from passing for another."""
    key = get_settings().secret_key.encode()
    digest = hmac.new(key, f"{purpose}|{message}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def matches(sent: str, expected: str) -> bool:
    """Constant-time comparison; bytes, since a header may carry any Latin-1 byte and compare_digest refuses
    non-ASCII strings."""
    return hmac.compare_digest(sent.encode("utf-8", "replace"), expected.encode())
