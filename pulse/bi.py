"""Apache Superset on the marts: set up, import the dashboards, serve, stop.

Superset lives in its own virtualenv (.venv-bi, `make bi`), since its pins conflict with
dbt's; this module (in .venv) only runs its commands. State lives in a git-ignored
folder (default .pulse/superset): the metadata database (SQLite), the generated secret
key, the server's pid and log. Superset connects as the read-only role `pulse_bi`
(pulse/access.py) to the database Pulse uses: the embedded server through its unix
socket, or the server of PULSE_DATABASE_URL, with the password of PULSE_BI_PASSWORD.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

from pulse.access import BI_ROLE
from pulse.db import PROJECT_DIR, Connection

BI_VENV = PROJECT_DIR / ".venv-bi"
DEFAULT_HOME = PROJECT_DIR / ".pulse" / "superset"
HOST = "127.0.0.1"
DEFAULT_PORT = 8088
PASSWORD_MASK = "X" * 10  # Superset's mask for a password kept out of the URI


def bi_uri(conn: Connection) -> str:
    """The SQLAlchemy URL of ``conn``'s database as pulse_bi, password masked if any."""
    auth = quote(BI_ROLE, safe="")
    if os.environ.get("PULSE_BI_PASSWORD"):
        auth += f":{PASSWORD_MASK}"
    database = quote(conn.dbname, safe="")
    if conn.host.startswith("/"):
        host = quote(conn.host, safe="")
        return f"postgresql+psycopg2://{auth}@/{database}?host={host}&port={conn.port}"
    return f"postgresql+psycopg2://{auth}@{conn.host}:{conn.port}/{database}"


def superset_env(home: Path) -> dict[str, str]:
    """The environment of every .venv-bi command: our config, and ``home`` for its state."""
    env = {**os.environ, "PULSE_SUPERSET_HOME": str(home)}
    env["SUPERSET_CONFIG_PATH"] = str(PROJECT_DIR / "pulse" / "superset_config.py")
    env["FLASK_APP"] = "superset.app:create_app()"
    env["PYTHONPATH"] = str(PROJECT_DIR)
    return env


def _run(args: list[str], env: dict[str, str]) -> None:
    """Run a .venv-bi command; its output is shown only if it fails (then SystemExit)."""
    result = subprocess.run(args, env=env, cwd=PROJECT_DIR, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
        raise SystemExit(f"{Path(args[0]).name} {' '.join(args[1:2])} failed")


def prepare(conn: Connection, home: Path = DEFAULT_HOME) -> None:
    """Metadata, secret key, admin and the imported dashboards; safe to run again.

    Raises SystemExit when .venv-bi is missing (run `make bi`) or a step fails.
    """
    superset = BI_VENV / "bin" / "superset"
    if not superset.exists():
        raise SystemExit(f"{superset} is missing: run `make bi` to create .venv-bi")
    home.mkdir(parents=True, exist_ok=True)
    home.chmod(0o700)  # the metadata holds the BI password (encrypted with the key)
    key = home / "secret_key"
    if not key.exists() or not key.read_text(encoding="utf-8").strip():
        key.touch(mode=0o600)
        key.write_text(secrets.token_urlsafe(42), encoding="utf-8")
    env = superset_env(home)
    _run([str(superset), "db", "upgrade"], env)
    initialized = home / ".initialized"
    if not initialized.exists():  # roles and permissions: half a minute, once
        _run([str(superset), "init"], env)
        initialized.touch()
    env["PULSE_BI_URI"] = bi_uri(conn)
    result = subprocess.run(
        [str(BI_VENV / "bin" / "python"), "-m", "pulse.superset_assets"],
        env=env, cwd=PROJECT_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    # Superset logs a lot on stderr: pass on only our own lines, or everything on failure.
    lines = result.stderr.splitlines()
    ours = [line for line in lines if line.startswith(("imported ", "Superset admin"))]
    if result.returncode != 0:
        print("\n".join(ours))
        sys.stderr.write("\n".join(line for line in lines[-60:] if line not in ours) + "\n")
        raise SystemExit("importing the Superset dashboards failed")
    print("\n".join(ours))


def _pid(home: Path) -> int | None:
    try:
        pid = int((home / "superset.pid").read_text().strip())
        os.kill(pid, 0)
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return None
    return pid


def healthy(url: str) -> bool:
    """True when the Superset at ``url`` answers its /health endpoint with 200."""
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def serve(home: Path = DEFAULT_HOME, port: int = DEFAULT_PORT, timeout: float = 180) -> str:
    """Start gunicorn in the background (unless running) and wait for /health; the URL."""
    url = f"http://{HOST}:{port}"
    if _pid(home) is None:
        subprocess.run(
            [str(BI_VENV / "bin" / "gunicorn"), "--daemon", "--bind", f"{HOST}:{port}",
             "--workers", "1", "--threads", "8", "--worker-class", "gthread",
             "--timeout", "120", "--pid", str(home / "superset.pid"),
             "--error-logfile", str(home / "superset.log"), "superset.app:create_app()"],
            env=superset_env(home), cwd=PROJECT_DIR, check=True,
        )  # fmt: skip
    deadline = time.monotonic() + timeout
    while not healthy(url):
        if time.monotonic() > deadline:
            raise SystemExit(f"Superset did not answer on {url} in {timeout:.0f} s; see {home}")
        time.sleep(1)
    return url


def stop(home: Path = DEFAULT_HOME) -> bool:
    """Stop the server started by serve(); False if none was running."""
    pid = _pid(home)
    if pid is None:
        return False
    os.kill(pid, signal.SIGTERM)
    for _ in range(60):
        if _pid(home) is None:
            return True
        time.sleep(0.5)
    os.kill(pid, signal.SIGKILL)
    return True
