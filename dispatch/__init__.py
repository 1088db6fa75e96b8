"""Dispatch: tickets from intake to closure (reports, photos, workflow, deadlines, duplicates, crews)."""
