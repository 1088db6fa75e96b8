"""The residents behind a ticket (name, email, phone), read only for staff whose scope allows personal data."""

from typing import Any

from sqlalchemy.orm import Session

from dispatch.sqlfiles import sql


def reporters(*, session: Session, report_id: int) -> list[dict[str, Any]]:
    """Every reporter of the ticket with their contact details."""
    return [dict(row) for row in session.execute(sql("reporters_of_report"), {"report_id": report_id}).mappings()]
