"""Inside Superset (run by .venv-bi's Python): the admin user, then the dashboards' import.

`python -m pulse.superset_assets` is started by `pulse bi start` (pulse/bi.py) with
SUPERSET_CONFIG_PATH and PULSE_SUPERSET_HOME set; it imports Superset and the standard
library only, never the rest of Pulse (whose packages live in the other virtualenv).

Environment read:
- PULSE_BI_URI: the Pulse database as `pulse_bi`, a SQLAlchemy URL whose password, if
  any, is the mask XXXXXXXXXX;
- PULSE_BI_PASSWORD: that password (never written into the YAML or a log);
- PULSE_SUPERSET_ADMIN_PASSWORD: the admin's password; without it a new admin gets a
  generated one, printed once here.

Dashboards are imported with Superset's ImportAssetsCommand, which overwrites the
database, datasets, charts and dashboards of the same UUIDs: a second run brings every
change of the YAML in (the `import-dashboards` CLI keeps existing charts as they were).
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

ASSETS_DIR = Path(__file__).resolve().parent.parent / "bi" / "superset"
ADMIN = "admin"


def read_assets(root: Path, uri: str) -> dict[str, str]:
    """{path inside the bundle: YAML text}; the database file gets the connection's URI."""
    import yaml

    contents: dict[str, str] = {}
    for path in sorted(root.rglob("*.yaml")):
        name = path.relative_to(root).as_posix()
        text = path.read_text(encoding="utf-8")
        if name.startswith("databases/"):
            config = yaml.safe_load(text)
            config["sqlalchemy_uri"] = uri
            text = yaml.safe_dump(config, allow_unicode=True)
        contents[name] = text
    if "metadata.yaml" not in contents:
        raise SystemExit(f"{root}/metadata.yaml is missing: not a Superset assets export")
    return contents


def ensure_admin(security_manager) -> str | None:
    """Create the admin (or set the password given); the generated password, if any."""
    wanted = os.environ.get("PULSE_SUPERSET_ADMIN_PASSWORD") or None
    user = security_manager.find_user(username=ADMIN)
    if user is None:
        password = wanted or secrets.token_urlsafe(12)
        role = security_manager.find_role("Admin")
        created = security_manager.add_user(
            ADMIN, "Pulse", "Admin", "admin@pulse.example", role, password=password
        )
        if not created:
            raise SystemExit("could not create the Superset admin user")
        return None if wanted else password
    if wanted:
        security_manager.reset_password(user.id, wanted)
    return None


def main() -> int:
    """Admin, then the import of every asset; exit status 0, or an exception on failure."""
    from superset.app import create_app

    app = create_app()
    with app.app_context():
        from flask import g
        from superset import security_manager
        from superset.commands.importers.v1.assets import ImportAssetsCommand
        from superset.extensions import db

        generated = ensure_admin(security_manager)
        db.session.commit()
        if generated:  # now, before anything else can fail
            print(
                f"Superset admin created: user {ADMIN}, password {generated} (shown this once; "
                "set PULSE_SUPERSET_ADMIN_PASSWORD and run `make bi` to choose another)",
                file=sys.stderr,
            )
        g.user = security_manager.find_user(username=ADMIN)
        contents = read_assets(ASSETS_DIR, os.environ["PULSE_BI_URI"])
        password = os.environ.get("PULSE_BI_PASSWORD") or None
        passwords = {
            name: password for name in contents if name.startswith("databases/") and password
        }
        ImportAssetsCommand(contents, passwords=passwords).run()
    print(f"imported {len(contents) - 1} Superset assets from {ASSETS_DIR}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
