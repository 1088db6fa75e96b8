"""Categories a resident can report, with their icons, in French and English."""

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict

from api.deps import SessionDep
from geo.service import list_categories

router = APIRouter(prefix="/api/v1/categories", tags=["categories"])


class CategoryPublic(BaseModel):
    """A category as the apps show it."""

    model_config = ConfigDict(from_attributes=True)

    code: str
    parent_code: str | None
    name_fr: str
    name_en: str
    icon: str
    service_code: str | None
    help_fr: str | None = None
    help_en: str | None = None


@router.get("", response_model=list[CategoryPublic])
def categories(session: SessionDep, response: Response) -> list[CategoryPublic]:
    """The category tree, flat: a category with no parent_code is a top-level group; agent-only ones are left out."""
    response.headers["Cache-Control"] = "public, max-age=300"
    return [CategoryPublic.model_validate(c) for c in list_categories(session=session, residents=True)]
