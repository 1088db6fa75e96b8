"""Fixtures of the dispatch tests: an S3-compatible server (moto's, a real S3 HTTP API on loopback)."""

import uuid
from collections.abc import Iterator

import boto3
import pytest
from moto.server import ThreadedMotoServer

from dispatch.storage import S3Storage


@pytest.fixture
def s3() -> Iterator[S3Storage]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    client = boto3.client("s3", endpoint_url=f"http://{host}:{port}", region_name="us-east-1",
                          aws_access_key_id="test", aws_secret_access_key="test")
    # moto keeps its buckets per process, across server restarts: a fresh bucket per test.
    bucket = f"ruecommune-photos-{uuid.uuid4().hex[:8]}"
    client.create_bucket(Bucket=bucket)
    yield S3Storage(client, bucket)
    server.stop()
