"""The project's version: pyproject.toml holds the one number; everything else reads it.

models_ml names its runs with it (`models_ml.artifacts.library_versions`), so a release is a
new run id. From a source tree (a checkout, or an editable install whose metadata was written
when it was installed and goes stale when pyproject.toml changes) the file beside the
packages is the truth; an installed wheel has no pyproject.toml, and its metadata is.
"""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

DISTRIBUTION = "spotify-warehouse"
PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
#: When neither source is there (a copied package folder): a version that sorts first.
UNKNOWN = "0+unknown"


def source_version(pyproject: Path = PYPROJECT) -> str | None:
    """[project].version of the project's own pyproject.toml, if the file is there."""
    try:
        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
    except (OSError, tomllib.TOMLDecodeError):
        return None
    if project.get("name") != DISTRIBUTION:
        return None
    version = project.get("version")
    return str(version) if version else None


def project_version(pyproject: Path = PYPROJECT) -> str:
    """The source tree's version, else the installed distribution's, else UNKNOWN."""
    found = source_version(pyproject)
    if found:
        return found
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return UNKNOWN
