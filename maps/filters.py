"""What a visitor filters reports by (category, state, commune, period, bounding box), as SQL parameters."""

from dataclasses import dataclass, replace
from datetime import date
from typing import Any
from urllib.parse import urlencode

from dispatch import publication


@dataclass(frozen=True)
class ReportFilter:
    """Every field None means no filter on it; `states` None means every state the view allows."""

    category: str | None = None
    states: tuple[str, ...] | None = None
    commune: str | None = None
    since: date | None = None
    until: date | None = None
    bbox: tuple[float, float, float, float] | None = None

    def params(self) -> dict[str, Any]:
        """Bind parameters of maps/sql/filters.sql and public.sql (dispatch.publication's)."""
        xmin, ymin, xmax, ymax = self.bbox or (None, None, None, None)
        return {
            "category": self.category, "states": list(self.states) if self.states is not None else None,
            "commune": self.commune, "since": self.since, "until": self.until,
            "xmin": xmin, "ymin": ymin, "xmax": xmax, "ymax": ymax, **publication.sql_params(),
        }

    def query(self, **extra: Any) -> str:
        """The same filters as a URL query string (for links to the list, the exports, the next page)."""
        pairs: list[tuple[str, Any]] = []
        if self.category:
            pairs.append(("category", self.category))
        pairs += [("state", s) for s in self.states or ()]
        if self.commune:
            pairs.append(("commune", self.commune))
        if self.since:
            pairs.append(("since", self.since.isoformat()))
        if self.until:
            pairs.append(("until", self.until.isoformat()))
        if self.bbox:
            pairs.append(("bbox", ",".join(f"{v:g}" for v in self.bbox)))
        pairs += [(k, v) for k, v in extra.items() if v is not None]
        return urlencode(pairs)

    def without_bbox(self) -> "ReportFilter":
        return replace(self, bbox=None)
