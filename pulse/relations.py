"""Where dbt built each model: relation names for SQL, read from dbt's manifest.

The consumers (the report, the answers, the charts, the bot) never type a schema or table
name: `relation("sales_daily_report")` gives `"sales"."sales_daily_report"` from the
manifest that dbt writes (`dbt parse`, `make build`, `dbt docs generate`). The manifest is
`$DBT_TARGET_PATH/manifest.json` when dbt's own variable is set, else `target/manifest.json`
of the project.
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path

from psycopg import sql

from pulse.db import PROJECT_DIR

PROJECT = "pulse"
FIX = "run `pulse dbt parse` (or `make build`) to write it"


class ManifestError(RuntimeError):
    """dbt's manifest is missing, unreadable, or older than the model asked for."""


def manifest_path() -> Path:
    """The manifest dbt writes: `$DBT_TARGET_PATH/manifest.json` or `<project>/target/…`.

    A relative DBT_TARGET_PATH is relative to the project, as it is for dbt.
    """
    return PROJECT_DIR / os.environ.get("DBT_TARGET_PATH", "target") / "manifest.json"


@functools.lru_cache(maxsize=2)  # the bot asks again after each nightly parse
def _read(path: Path, mtime_ns: int) -> tuple[dict[str, tuple[str, str, str]], str]:
    """Model name -> (schema, identifier, folder under models/) of the project's enabled
    models, and when the manifest was written; cached per file version (``mtime_ns``)."""
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        models = {
            node["name"]: (node["schema"], node["alias"], node["fqn"][1])
            for node in manifest["nodes"].values()
            if node["resource_type"] == "model" and node["package_name"] == PROJECT
        }
        return models, manifest["metadata"].get("generated_at", "at an unknown time")
    except (OSError, ValueError, LookupError, TypeError, AttributeError) as exc:
        raise ManifestError(f"dbt's manifest {path} is not readable ({exc}): {FIX}") from None


def _models() -> tuple[dict[str, tuple[str, str, str]], Path, str]:
    path = manifest_path()
    try:
        mtime_ns = path.stat().st_mtime_ns
    except OSError:
        raise ManifestError(f"dbt's manifest is missing ({path}): {FIX}") from None
    models, written = _read(path, mtime_ns)
    return models, path, written


def relation(model: str) -> str:
    """The quoted `"schema"."table"` of the dbt model named ``model``, for a SQL string.

    Raises ManifestError when the manifest is missing or unreadable, or does not know the
    model (a manifest written before the model was added: stale).
    """
    models, path, written = _models()
    if model not in models:
        raise ManifestError(
            f"the model {model!r} is not in dbt's manifest ({path}, written {written}): "
            f"the manifest is stale or the model disabled; {FIX} again"
        )
    schema, identifier, _ = models[model]
    return sql.Identifier(schema, identifier).as_string(None)


def schemas(folder: str) -> list[str]:
    """The schemas of the models under ``models/<folder>/`` (e.g. "marts"), sorted.

    Raises ManifestError when the manifest is missing or unreadable.
    """
    models, _, _ = _models()
    return sorted({schema for schema, _, where in models.values() if where == folder})
