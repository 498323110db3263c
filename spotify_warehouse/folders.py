"""Writing a folder all or nothing: a reader sees the old folder or the new one, never half.

The new content is written into a hidden staging sibling (same file system, so renames are
atomic), then swapped in with two renames: the old folder aside, the new one into place. The
models folder's runs (models_ml.artifacts) and the report site (reports.build) are written
this way. Leftovers of a killed write are hidden siblings (`.NAME.staging-*`,
`.NAME.retired-*`) that a later write or prune may remove.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def staging_folder(target: Path) -> Path:
    """A new empty hidden folder beside `target`, unique to this write."""
    target.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{target.name}.staging-", dir=target.parent))


@contextmanager
def staged(target: Path) -> Iterator[Path]:
    """A staging folder for `target` that is removed if the block fails (or is left by it
    without `swap_in`): a failed write leaves nothing behind."""
    staging = staging_folder(target)
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def swap_in(staging: Path, target: Path) -> None:
    """Replace `target` (if any) by `staging` with two renames; the old copy is then removed.

    Raises OSError if another writer renamed a folder into `target` in between; the caller
    decides whether that folder will do.
    """
    retired = target.with_name(f".{target.name}.retired-{os.getpid()}")
    if target.exists():
        target.rename(retired)
    try:
        staging.rename(target)
    finally:
        shutil.rmtree(retired, ignore_errors=True)
