"""Report states on maps: their colours; names and sets come from the one vocabulary (dispatch.vocabulary)."""

from dispatch import vocabulary
from dispatch.vocabulary import PUBLIC, RESOLVED_VISIBLE_DAYS, State

# The vocabulary (states, sets, names) is dispatch's; maps only colours the states.
STATES = tuple(str(s) for s in State)
PUBLIC_STATES = tuple(str(s) for s in State if s in PUBLIC)
label = vocabulary.label
__all__ = ["COLOURS", "PUBLIC_STATES", "RESOLVED_VISIBLE_DAYS", "STATES", "label"]

# Colour-blind-friendly enough: warm for untouched, purple/blue while handled, greens once fixed.
COLOURS = {
    "new": "#d7301f", "triaged": "#e6550d", "assigned": "#fd8d3c", "scheduled": "#6a51a3",
    "in_progress": "#2171b5", "waiting_resident": "#737373", "resolved": "#31a354",
    "closed": "#006d2c", "reopened": "#ce1256", "rejected": "#252525",
}
