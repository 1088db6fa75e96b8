"""Photo files by URL: the metadata-free display copy and thumbnail, cacheable forever (named by hash)."""

import re

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.deps import SessionDep
from core.errors import NotFound
from dispatch import photos
from dispatch.models import Photo

router = APIRouter(tags=["photos"])
HASH = re.compile(r"^[0-9a-f]{64}$")


@router.get("/photos/{photo_hash}/{size}.jpg", response_class=Response,
            responses={200: {"content": {"image/jpeg": {}}}})
def photo_file(photo_hash: str, size: str, request: Request, session: SessionDep) -> Response:
    """A stored copy; the hash names its content, so it never changes and caches for a year."""
    if not HASH.match(photo_hash) or size not in photos.SIZES:
        raise NotFound("No such photo", "Photo introuvable")
    # Only photos we still hold a row for: a deleted photo whose file outlived it (a failed removal) is gone.
    if session.get(Photo, photo_hash) is None:
        raise NotFound("No such photo", "Photo introuvable")
    data = request.app.state.photo_storage.get(photos.key(photo_hash, size))
    if data is None:
        raise NotFound("No such photo", "Photo introuvable")
    return Response(data, media_type="image/jpeg", headers={
        "Cache-Control": "public, max-age=31536000, immutable", "X-Content-Type-Options": "nosniff"})
