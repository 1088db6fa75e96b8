"""Who may see and change which ticket: scopes by role, commune, service and sector, in Python and in SQL."""

from sqlalchemy import ColumnElement, and_, false, true

from core.errors import Forbidden
from core.users import Principal
from dispatch.models import Report

EVERYWHERE = frozenset({"agent", "admin"})
STAFF_ROLES = frozenset({"agent", "commune_staff", "service_staff", "crew", "admin"})


def _in_service(principal: Principal, report: Report) -> bool:
    return (principal.service_code is not None and report.service_code == principal.service_code
            and (not principal.sector_codes or report.sector_code in principal.sector_codes))


def can_read(principal: Principal, report: Report) -> bool:
    """Staff views of a ticket (history included). Officials read figures, not tickets."""
    if principal.role in EVERYWHERE:
        return True
    if principal.role == "commune_staff":
        return principal.commune_code is not None and report.commune_code == principal.commune_code
    if principal.role in ("service_staff", "crew"):
        return _in_service(principal, report)
    return False


def can_see_personal_data(principal: Principal, report: Report) -> bool:
    """Residents' names and contacts: the relations centre, and staff of the ticket's commune or service.

    Crews work from the ticket itself and officials from figures: neither sees who reported.
    """
    return principal.role in ("agent", "admin", "commune_staff", "service_staff") and can_read(principal, report)


def ensure_can_read(principal: Principal, report: Report) -> None:
    if not can_read(principal, report):
        raise Forbidden(f"Ticket {report.ref} is outside your scope",
                        f"Le ticket {report.ref} est hors de votre périmètre", reason="scope")


def scope_filter(principal: Principal) -> ColumnElement[bool]:
    """The same rule as can_read, as a WHERE clause for listings."""
    if principal.role in EVERYWHERE:
        return true()
    if principal.role == "commune_staff" and principal.commune_code:
        return Report.commune_code == principal.commune_code
    if principal.role in ("service_staff", "crew") and principal.service_code:
        clause = Report.service_code == principal.service_code
        if principal.sector_codes:
            clause = and_(clause, Report.sector_code.in_(list(principal.sector_codes)))
        return clause
    return false()
