"""The dbt docs inside the report site (`dbt-docs/index.html`), opening from disk, offline.

Analysts who read the reports also want every mart's columns, tests and lineage; dbt's docs
site shows them. Its normal form fetches manifest.json and catalog.json, which a browser
refuses for a page opened from disk; `dbt docs generate --static` inlines both instead, into
one page of about 5 MB. Here they are written beside dbt's page as two classic scripts
(`manifest.js`, `catalog.js`) that set a global each, and the page's two placeholders read
those globals: it opens from disk like the static page, and no file of the site is a page
over 2 MB (dbt's page itself is 1.8 MB).

The input is a dbt target folder holding dbt's index.html and catalog.json (written by
`dbt docs generate`) and manifest.json (`dbt parse`). `generate` makes it (`python -m reports
build --dbt-docs`, which `make reports` runs) through the `docs` target of profiles.yml,
which opens the warehouse read-only: the catalog is read while others read the file too.
Compiling is skipped (`--no-compile`): compiling a staging model would load its raw file
into the warehouse, so the docs show each model's SQL as written.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from spotify_warehouse.text import first_line

#: Where the docs go in the site, and the page the index links to.
DBT_DOCS_DIR = "dbt-docs"
DBT_DOCS_PAGE = f"{DBT_DOCS_DIR}/index.html"
#: Tags of dbt's page that point nowhere from disk: a canonical URL of a served site and an
#: unbuilt favicon reference (a literal "${require(...)}"). They are dropped.
DEAD_TAGS = re.compile(r'<link rel="(?:canonical|shortcut icon)"[^>]*>')
#: dbt's page holds these two JSON placeholders (what `--static` replaces with the data).
PLACEHOLDERS = {
    "manifest": ('"MANIFEST.JSON INLINE DATA"', "window.dbtDocsManifest"),
    "catalog": ('"CATALOG.JSON INLINE DATA"', "window.dbtDocsCatalog"),
}


#: Where `generate` writes by default (not the build's own target/, whose run_results.json
#: `make` reads for its stage times).
DEFAULT_DOCS_TARGET = Path("target/docs")


class DbtDocsError(RuntimeError):
    """The dbt docs cannot be made, or the dbt target folder does not hold what they need."""


def _dbt_executable() -> str:
    """dbt of this Python environment (the .venv), else the one on PATH."""
    beside = Path(sys.executable).with_name("dbt")
    return str(beside) if beside.is_file() else (shutil.which("dbt") or "dbt")


def generate(target: Path, warehouse: Path) -> Path:
    """`dbt parse` and `dbt docs generate --no-compile` into `target`, reading `warehouse`
    read-only (the `docs` target); returns `target`. Raises DbtDocsError with dbt's error."""
    env = dict(os.environ, SPOTIFY_WAREHOUSE_PATH=str(warehouse))
    common = ["--target", "docs", "--target-path", str(target), "--quiet"]
    for command in (["parse"], ["docs", "generate", "--no-compile"]):
        completed = subprocess.run(
            [_dbt_executable(), *command, *common],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if completed.returncode != 0:
            output = (completed.stdout + completed.stderr).strip()
            detail = next(
                (line.strip() for line in output.splitlines() if "Error" in line),
                first_line(output) if output else f"exit status {completed.returncode}",
            )
            raise DbtDocsError(f"dbt {' '.join(command)} failed for the docs: {detail}")
    return target


def write_dbt_docs(target: Path, site: Path) -> Path:
    """dbt's docs page and its data, from the dbt target folder `target`, into
    `site`/dbt-docs/; returns the page. Raises DbtDocsError naming the missing piece."""
    page_source = target / "index.html"
    if not page_source.is_file():
        raise DbtDocsError(
            f"{page_source}: no dbt docs page; run `dbt docs generate --target docs "
            f"--no-compile --target-path {target}` first (make reports does)"
        )
    page = page_source.read_text(encoding="utf-8")
    folder = site / DBT_DOCS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    scripts = []
    for name, (placeholder, variable) in PLACEHOLDERS.items():
        if placeholder not in page:
            raise DbtDocsError(f"{page_source}: not dbt's docs page (no {placeholder} in it)")
        data_path = target / f"{name}.json"
        try:
            data = json.loads(data_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise DbtDocsError(
                f"{data_path}: missing; run `dbt parse` and `dbt docs generate` into {target}"
            ) from None
        except json.JSONDecodeError as error:
            raise DbtDocsError(f"{data_path}: not JSON ({error})") from None
        # JSON is a JavaScript expression; escaping "<" keeps "</script>" in a description
        # from meaning anything to an HTML parser that might read the file as a page.
        text = json.dumps(data, separators=(",", ":")).replace("<", "\\u003c")
        (folder / f"{name}.js").write_text(f"{variable} = {text};\n", encoding="utf-8")
        page = page.replace(placeholder, variable, 1)
        scripts.append(f'<script src="{name}.js"></script>')
    # The tree's icons are Angular templates: with a plain xlink:href the browser requests
    # the uninterpolated "{{ getIcon(...) }}" as a file before Angular fills it in (a
    # console error per icon from disk). ng-attr-href sets SVG 2's plain href only once its
    # value is known (Angular cannot set the namespaced xlink:href that way).
    page = page.replace('<use xlink:href="{{', '<use ng-attr-href="{{')
    page = DEAD_TAGS.sub("", page).replace("<head>", "<head>" + "".join(scripts), 1)
    destination = folder / "index.html"
    destination.write_text(page, encoding="utf-8")
    return destination
