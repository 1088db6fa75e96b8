"""Report states as the public sees them: colours, labels, and which ones the public map shows."""

# The lifecycle's states (dispatch's workflow owns the transitions; maps only colours and labels them).
STATES = ("new", "triaged", "assigned", "scheduled", "in_progress", "waiting_resident",
          "resolved", "closed", "reopened", "rejected")
OPEN_STATES = ("new", "triaged", "assigned", "scheduled", "in_progress", "waiting_resident", "reopened")
DONE_STATES = ("resolved", "closed")
# The public map shows every open report, and resolved or closed ones for this many days after their
# resolution (so residents see the fix); rejected reports never appear on the map, feeds or tiles.
RESOLVED_VISIBLE_DAYS = 30
PUBLIC_STATES = OPEN_STATES + DONE_STATES

# Colour-blind-friendly enough: warm for untouched, purple/blue while handled, greens once fixed.
COLOURS = {
    "new": "#d7301f", "triaged": "#e6550d", "assigned": "#fd8d3c", "scheduled": "#6a51a3",
    "in_progress": "#2171b5", "waiting_resident": "#737373", "resolved": "#31a354",
    "closed": "#006d2c", "reopened": "#ce1256", "rejected": "#252525",
}
LABELS = {
    "new": ("Nouveau", "New"), "triaged": ("Qualifié", "Triaged"), "assigned": ("Attribué", "Assigned"),
    "scheduled": ("Programmé", "Scheduled"), "in_progress": ("En cours", "In progress"),
    "waiting_resident": ("En attente de l'habitant", "Waiting for the resident"),
    "resolved": ("Résolu", "Resolved"), "closed": ("Clos", "Closed"), "reopened": ("Rouvert", "Reopened"),
    "rejected": ("Rejeté", "Rejected"),
}


def label(state: str, lang: str) -> str:
    """The state's name in French or English (the code itself when unknown)."""
    fr, en = LABELS.get(state, (state, state))
    return fr if lang == "fr" else en
