"""The living demo: a few hundred sample reports over communes, categories, states and channels, made once."""

from sqlalchemy import func, select

from dispatch.demo_reports import load_demo_reports
from dispatch.models import Report, ReportEvent


def test_demo_reports_spread_and_idempotent(session):
    made = load_demo_reports(session=session, count=150)
    assert made == 150
    assert load_demo_reports(session=session, count=150) == 0
    demo = select(Report).where(Report.is_demo)
    rows = session.scalars(demo).all()
    assert len(rows) == 150
    assert len({r.commune_code for r in rows}) >= 20
    assert len({r.category_code for r in rows}) >= 8
    assert len({r.state for r in rows}) >= 8
    assert len({r.channel for r in rows}) >= 5
    assert all(r.resolved_at is not None and r.resolved_at >= r.created_at for r in rows
               if r.state in ("resolved", "closed"))
    assert all(r.due_at is not None and r.due_at > r.created_at for r in rows)
    # each report's history starts when the report was made
    firsts = session.execute(select(ReportEvent.report_id, func.min(ReportEvent.at)).join(
        Report, Report.id == ReportEvent.report_id).where(Report.is_demo).group_by(ReportEvent.report_id)).all()
    created = {r.id: r.created_at for r in rows}
    assert all(at == created[report_id] for report_id, at in firsts)
    # topping up to a bigger count adds only the difference
    assert load_demo_reports(session=session, count=160) == 10
