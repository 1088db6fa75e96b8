"""Staff sign-in: the password check behind per-account and per-address throttles with exponential backoff.

Both throttles live in PostgreSQL (core.throttle), so a lockout holds on every API replica. A locked
account or address is refused before Argon2 runs: a flood of guesses costs neither memory nor CPU.
"""

from sqlalchemy.orm import Session

from core import throttle, users
from core.errors import LoginThrottled
from core.settings import get_settings


def account_key(email: str) -> str:
    return throttle.key("login:account", email)


def address_key(address: str) -> str:
    return throttle.key("login:address", address)


def _policies() -> tuple[throttle.Policy, throttle.Policy]:
    s = get_settings()
    common = {"base_s": s.login_backoff_base_seconds, "max_s": s.login_backoff_max_seconds,
              "forget_s": s.login_backoff_max_seconds}
    return (throttle.Policy(free=s.login_free_failures_account, **common),
            throttle.Policy(free=s.login_free_failures_address, **common))


def attempt(*, session: Session, email: str, password: str, address: str) -> users.StaffUser | None:
    """The account if the password is right; None (the failure counted) if not; 429 while a lockout runs.

    The caller must commit after a None, although it answers with an error: a failure that is rolled back
    is a failure the throttle never saw.
    """
    account, client = account_key(email), address_key(address)
    wait = max(throttle.check(session=session, key=account), throttle.check(session=session, key=client))
    if wait:
        raise LoginThrottled(
            f"Too many failed sign-ins for this account or from this address; try again in {wait} s",
            f"Trop d'échecs de connexion pour ce compte ou depuis cette adresse ; réessayez dans {wait} s",
            retry_after=wait, headers={"Retry-After": str(wait)})
    user = users.authenticate(session=session, email=email, password=password)
    account_policy, address_policy = _policies()
    if user is None:
        throttle.hit(session=session, key=account, policy=account_policy)
        throttle.hit(session=session, key=client, policy=address_policy)
        return None
    # The account's count starts again; the address's does not, or one valid account would launder guesses.
    throttle.clear(session=session, key=account)
    return user
