"""Rate limits behind the proxy (acceptance item 3 of issue 21): each resident their own count, one count
for all three API replicas. Residents are containers on the proxy's network, each with its own address."""

import json
import subprocess
import uuid
from collections.abc import Iterator

import pytest

from tests.deploy.stack import PROJECT, containers, psql

pytestmark = pytest.mark.deploy
LIMIT = 10  # RUECOMMUNE_MAGIC_LINK_RATE_LIMIT's default: sign-in link requests per address per 10 minutes

RESIDENT = """
import json, sys, urllib.request, urllib.error
codes = []
for i in range(int(sys.argv[1])):
    # A resident who claims to be someone else gains nothing: only the proxy's word is believed.
    req = urllib.request.Request("http://proxy:8000/api/v1/residents/magic-link", method="POST",
                                 data=json.dumps({"email": f"nobody{i}@example.org"}).encode(),
                                 headers={"Content-Type": "application/json", "X-Forwarded-For": f"203.0.113.{i}"})
    try:
        codes.append((urllib.request.urlopen(req, timeout=20).status, None))
    except urllib.error.HTTPError as e:
        codes.append((e.code, e.headers.get("Retry-After")))
print(json.dumps(codes))
"""


@pytest.fixture
def residents() -> Iterator[list[str]]:
    """Two residents: containers alive side by side on the front network, so each has its own address."""
    names = [f"{PROJECT}-resident-{uuid.uuid4().hex[:6]}" for _ in range(2)]
    try:
        for name in names:
            subprocess.run(["docker", "run", "-d", "--rm", "--name", name, "--network", f"{PROJECT}_front",
                            "ruecommune/app:latest", "sleep", "600"], capture_output=True, check=True, timeout=120)
        yield names
    finally:
        subprocess.run(["docker", "rm", "-f", *names], capture_output=True, check=False, timeout=120)


def ask_links(resident: str, requests: int) -> list[tuple[int, str | None]]:
    """That many sign-in link requests from this resident's container, through the proxy."""
    out = subprocess.run(["docker", "exec", resident, "python3", "-c", RESIDENT, str(requests)],
                         capture_output=True, text=True, check=True, timeout=300).stdout
    return [tuple(pair) for pair in json.loads(out)]  # type: ignore[misc]


def link_requests_seen(name: str) -> int:
    logs = subprocess.run(["docker", "logs", name], capture_output=True, text=True, check=True)
    return sum('"route": "/api/v1/residents/magic-link"' in line for line in (logs.stdout + logs.stderr).splitlines())


def test_each_resident_has_a_limit_and_three_replicas_enforce_one(residents):
    one, other = residents
    psql("db", "DELETE FROM rate_limit")  # counts of an earlier run on this stack (10-minute windows)
    before = {name: link_requests_seen(name) for name in containers("api")}
    first = ask_links(one, LIMIT + 2)
    assert [code for code, _ in first[:LIMIT]] == [202] * LIMIT
    assert [code for code, _ in first[LIMIT:]] == [429, 429] and all(int(wait) >= 1 for _, wait in first[LIMIT:])
    # The requests went round the replicas: with a count per process, none would have refused.
    seen = {name: link_requests_seen(name) - count for name, count in before.items()}
    assert len(seen) == 3 and all(n >= 1 for n in seen.values()), seen
    assert max(seen.values()) < LIMIT
    # Another resident behind the same proxy still has all of theirs.
    assert [code for code, _ in ask_links(other, 2)] == [202, 202]
