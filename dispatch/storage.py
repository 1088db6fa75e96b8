"""Where photo files live: a local folder by default, S3-compatible object storage as an option."""

import contextlib
import errno
import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from core.errors import StorageFull
from core.settings import Settings, get_settings

NO_SPACE = {errno.ENOSPC, errno.EDQUOT}


class PhotoStorage(Protocol):
    """Files named by key ("<hash>/display.jpg"); writes are whole-file and atomic."""

    def put(self, key: str, data: bytes) -> bool:
        """Store data under key; True when the key was new, False when it already held these bytes."""
        ...

    def get(self, key: str) -> bytes | None: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None: ...


class LocalStorage:
    """A folder on this server: fine for one server, or a shared volume."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        # Keys come from our own hashes, but a storage layer never trusts its caller with paths.
        if not path.is_relative_to(self.root.resolve()):
            raise ValueError(f"storage key escapes the photo folder: {key!r}")
        return path

    def put(self, key: str, data: bytes) -> bool:
        path = self._path(key)
        if path.exists():
            return False
        try:
            self._write(path, data)
        except OSError as exc:
            if exc.errno in NO_SPACE:
                raise StorageFull(
                    "The photo storage is full: nothing was recorded. Please try again later.",
                    "Le stockage des photos est plein : rien n'a été enregistré. Réessayez plus tard.") from exc
            raise
        return True

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename: a reader never sees half a file, a crash leaves only a temp file.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes | None:
        path = self._path(key)
        return path.read_bytes() if path.is_file() else None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        path = self._path(key)
        path.unlink(missing_ok=True)
        # Not empty (the other size is still there) or already gone: both fine.
        with contextlib.suppress(OSError):
            path.parent.rmdir()


class S3Storage:
    """An S3-compatible bucket (AWS, MinIO, Garage, OVH, Scaleway...) for several servers sharing photos."""

    def __init__(self, client: Any, bucket: str, prefix: str = "photos/") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix

    @classmethod
    def from_settings(cls, settings: Settings) -> "S3Storage":
        import boto3  # optional dependency: only a deployment that chooses S3 needs it

        client = boto3.client(
            "s3", endpoint_url=settings.s3_endpoint_url or None, region_name=settings.s3_region or None,
            aws_access_key_id=settings.s3_access_key or None, aws_secret_access_key=settings.s3_secret_key or None,
        )
        return cls(client, settings.s3_bucket)

    def _is_missing(self, exc: Exception) -> bool:
        response = getattr(exc, "response", None) or {}
        return str(response.get("Error", {}).get("Code")) in {"404", "NoSuchKey", "NotFound"}

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.prefix + key)
        except Exception as exc:
            if self._is_missing(exc):
                return False
            raise
        return True

    def put(self, key: str, data: bytes) -> bool:
        if self.exists(key):
            return False
        self.client.put_object(Bucket=self.bucket, Key=self.prefix + key, Body=data, ContentType="image/jpeg")
        return True

    def get(self, key: str) -> bytes | None:
        try:
            obj = self.client.get_object(Bucket=self.bucket, Key=self.prefix + key)
        except Exception as exc:
            if self._is_missing(exc):
                return None
            raise
        body: bytes = obj["Body"].read()
        return body

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.prefix + key)


def from_settings(settings: Settings) -> PhotoStorage:
    """The storage the settings name."""
    if settings.photo_storage == "s3":
        return S3Storage.from_settings(settings)
    return LocalStorage(settings.photo_dir)


@lru_cache
def get_storage() -> PhotoStorage:
    """The process-wide photo storage."""
    return from_settings(get_settings())
