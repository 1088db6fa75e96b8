"""Idempotency keys: a retried submission gets the first answer again instead of a second report."""

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from core.errors import IdempotencyKeyReused, InvalidIdempotencyKey
from dispatch.models import IdempotencyKey

KEY_PATTERN = re.compile(r"^[A-Za-z0-9._:\-]{8,200}$")


@dataclass(frozen=True)
class Replay:
    """The answer stored for an earlier identical request."""

    status_code: int
    body: dict[str, Any]
    report_id: int | None


def fingerprint(*, fields: dict[str, Any], files: Iterable[bytes] = ()) -> str:
    """A digest of what was submitted: the same fields and the same file bytes give the same fingerprint."""
    digest = hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode())
    for data in files:
        digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest()


def check_key(key: str) -> str:
    if not KEY_PATTERN.match(key):
        raise InvalidIdempotencyKey(
            "Idempotency-Key must be 8 to 200 characters among letters, digits and . _ : - (a UUID fits).",
            "Idempotency-Key doit compter 8 à 200 caractères parmi lettres, chiffres et . _ : - (un UUID convient).",
        )
    return key


def begin(*, session: Session, scope: str, key: str, fingerprint: str) -> Replay | None:
    """Claim the key for this transaction, or return the answer already given for it.

    The INSERT takes the key's index entry: a concurrent request with the same key waits here until the
    first one commits (and then replays its answer) or rolls back (and then proceeds itself).
    """
    check_key(key)
    claimed = session.execute(
        insert(IdempotencyKey).values(scope=scope, key=key, fingerprint=fingerprint)
        .on_conflict_do_nothing(index_elements=["scope", "key"]).returning(IdempotencyKey.key)
    ).first()
    if claimed is not None:
        return None
    row = session.execute(select(IdempotencyKey).where(IdempotencyKey.scope == scope, IdempotencyKey.key == key)
                          .execution_options(populate_existing=True)).scalar_one()
    if row.fingerprint != fingerprint:
        raise IdempotencyKeyReused(
            "This Idempotency-Key was already used for a different submission; use a new key for a new report.",
            "Cette Idempotency-Key a déjà servi pour un autre envoi ; utilisez une nouvelle clé par signalement.",
        )
    assert row.status_code is not None and row.response is not None  # written in the same transaction
    return Replay(status_code=row.status_code, body=row.response, report_id=row.report_id)


def finish(*, session: Session, scope: str, key: str, status_code: int, body: dict[str, Any],
           report_id: int | None = None) -> None:
    """Store the answer with the key, in the transaction that created the report."""
    row = session.get(IdempotencyKey, (scope, key))
    assert row is not None, "finish() without begin()"
    row.status_code = status_code
    row.response = json.loads(json.dumps(body, default=str))
    row.report_id = report_id
    session.flush()


def purge(*, session: Session, older_than: timedelta = timedelta(days=7)) -> int:
    """Forget keys older than a retry could plausibly be; returns how many were removed."""
    cutoff = datetime.now(UTC) - older_than
    result = session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < cutoff))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
