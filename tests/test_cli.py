"""The operator tool in its own process, as `make run` uses it: migrate, then load the demo."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, text


def test_db_upgrade_then_demo_load_in_a_fresh_process(fresh_database):
    url = fresh_database()
    command = shutil.which("ruecommune", path=str(Path(sys.executable).parent)) or "ruecommune"
    env = {**os.environ, "RUECOMMUNE_DATABASE_URL": url}
    for args in (["db", "upgrade"], ["demo", "load"], ["demo", "load"]):  # the second load changes nothing
        done = subprocess.run([command, *args], env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
    engine = create_engine(url)
    with engine.connect() as conn:
        communes = conn.execute(text("SELECT count(*) FROM zones WHERE kind = 'commune' AND valid_to IS NULL"))
        assert communes.scalar() == 58
        assert conn.execute(text("SELECT count(*) FROM reports WHERE is_demo")).scalar() == 400
        assert conn.execute(text("SELECT count(*) FROM addresses")).scalar() > 30000
    engine.dispose()
