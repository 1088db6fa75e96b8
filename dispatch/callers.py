"""The resident on the line: found by name, email or phone within the staff member's scope, with every earlier request.

"Own commune's resident" for commune staff is residents.visible_to: a record with a report in their commune
that someone else entered (so nothing a commune agent types can open a record to them); their earlier requests
are those of their commune. The relations centre and admins see every record and every request.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy.orm import Session

from core.errors import InvalidContact, NotFound
from core.users import Principal
from dispatch import residents
from dispatch.models import Report, Resident
from dispatch.schemas import ContactDetails

# Who enters requests on a resident's behalf (as the agent API: api/routers/agent.py).
DESK_ROLES = frozenset({"agent", "commune_staff", "admin"})
# A query of digits, spaces, dots, dashes, brackets and a leading + is a phone number.
PHONE_LIKE = re.compile(r"^\+?[\d\s.\-()/]{6,}$")


@dataclass(frozen=True)
class Caller:
    """One person as the agent sees them: the record a new request joins, its consents, every earlier request."""

    resident: Resident
    consents: dict[str, bool]
    reports: list[Report]
    records: tuple[int, ...]


def kind_of(query: str) -> str:
    """What the agent typed: "email", "phone" or "name"."""
    text = query.strip()
    if "@" in text:
        return "email"
    if PHONE_LIKE.match(text):
        return "phone"
    return "name"


def _commune(staff: Principal) -> str | None:
    return staff.commune_code if staff.role == "commune_staff" else None


def _caller(*, session: Session, staff: Principal, records: Sequence[Resident]) -> Caller:
    """One card for records the same search found for one detail: the proven record first, else the oldest."""
    ordered = sorted(records, key=lambda r: (r.email_verified_at is None and r.phone_verified_at is None, r.id))
    commune = _commune(staff)
    seen: dict[int, Report] = {}
    for record in ordered:
        for report in residents.reports_of(session=session, resident_id=record.id, owner=False):
            if commune is None or report.commune_code == commune:
                seen.setdefault(report.id, report)
    reports = sorted(seen.values(), key=lambda r: (r.created_at, r.id), reverse=True)
    primary = ordered[0]
    return Caller(resident=primary, consents=residents.consents(session=session, resident_id=primary.id),
                  reports=reports, records=tuple(r.id for r in ordered))


def find(*, session: Session, staff: Principal, query: str, limit: int = 10) -> list[Caller]:
    """The people matching what the agent typed, within their scope.

    By email or phone, every record that detail finds (residents.search's rules) is one person: the caller
    gave it, so their requests typed with it on every channel show together. By name, each record stands
    alone (two people share a name), for the agent to tell apart with the caller.
    """
    kind = kind_of(query)
    try:
        if kind == "email":
            found = residents.search(session=session, email=query)
        elif kind == "phone":
            found = residents.search(session=session, phone=query)
        else:
            found = residents.search_by_name(session=session, name=query, limit=limit * 2)
    except InvalidContact:
        return []
    visible = [r for r in found if residents.visible_to(session=session, resident=r, staff=staff)]
    if not visible:
        return []
    if kind == "name":
        return [_caller(session=session, staff=staff, records=[r]) for r in visible[:limit]]
    return [_caller(session=session, staff=staff, records=visible)]


def get_or_raise(*, session: Session, staff: Principal, resident_id: int, query: str | None = None) -> Caller:
    """The person the agent picked: among the people `query` finds when given (so the card shows the same
    requests as the search did), else the record alone. NotFound when outside the staff member's scope, so a
    commune agent cannot even tell that another commune's resident exists."""
    if query:
        for caller in find(session=session, staff=staff, query=query):
            if resident_id in caller.records:
                picked = session.get_one(Resident, resident_id)
                return replace(caller, resident=picked,
                               consents=residents.consents(session=session, resident_id=picked.id))
    try:
        resident = residents.get_or_raise(session=session, resident_id=resident_id)
    except NotFound:
        resident = None
    if resident is None or not residents.visible_to(session=session, resident=resident, staff=staff):
        raise NotFound(f"No resident {resident_id} in your scope", f"Aucun usager {resident_id} dans votre périmètre")
    return _caller(session=session, staff=staff, records=[resident])


def follow(*, session: Session, staff: Principal, ref: str, channel: str, resident_id: int | None,
           contact: ContactDetails | None, query: str | None = None) -> Report:
    """The caller's problem is already reported: they join that report as a follower (and are told so) instead
    of a second ticket. The picked resident keeps their recorded consent; a new one answers for themself."""
    from dispatch import access, duplicates

    report = duplicates.get_by_ref_or_raise(session=session, ref=ref)
    access.ensure_can_read(staff, report)
    if resident_id is not None:
        caller = get_or_raise(session=session, staff=staff, resident_id=resident_id, query=query)
        resident, consent = caller.resident, caller.consents.get("report_updates", False)
    else:
        found = residents.find_or_create(session=session, contact=contact, channel=channel, staff=staff) \
            if contact is not None else None
        if found is None:
            raise InvalidContact("Give the resident's email or phone, or pick them, to make them a follower.",
                                 "Indiquez l'e-mail ou le téléphone de l'usager, ou choisissez-le, pour qu'il suive "
                                 "ce signalement.", field="email")
        resident, consent = found, bool(contact and contact.consent_updates)
    return duplicates.follow(session=session, report=report, resident=resident, contact_consent=consent,
                             channel=channel, actor=staff)
