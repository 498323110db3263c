"""Building the static site: query the warehouse read-only, render every page, swap it in.

The site is written to a temporary folder beside the output and moved into place only when
every page rendered (`spotify_warehouse.folders`, as the models folder's runs are), so a
failed build never leaves a half-written site. An existing output
folder is replaced only if an earlier build wrote it (it holds the marker file), so a
mistyped `--output` cannot delete someone's folder.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from reports import pages
from reports.dbt_docs import DBT_DOCS_PAGE, write_dbt_docs
from reports.queries import QueryRunner
from reports.render import (
    VEGA_ASSET,
    Page,
    environment,
    format_value,
    render_page,
    vega_asset,
)
from spotify_warehouse.folders import staged, swap_in
from spotify_warehouse.warehouse import connect_readonly, warehouse_path

DEFAULT_OUTPUT = Path("reports/site")
OUTPUT_ENV_VAR = "SPOTIFY_REPORTS_DIR"
MARKER = ".spotify-warehouse-reports"


class OutputFolderError(RuntimeError):
    """The output folder exists and was not written by this builder."""


@dataclass(frozen=True)
class BuildResult:
    output: Path
    #: Every page written, the dbt docs page (when asked for) last.
    pages: list[str]
    seconds: float
    largest_page_bytes: int
    #: Every file of the site together: pages, `assets/vega.js` and the marker.
    site_bytes: int

    @property
    def index(self) -> Path:
        return self.output / "index.html"


def output_path(path: str | os.PathLike[str] | None = None) -> Path:
    """An explicit path wins; else SPOTIFY_REPORTS_DIR; else reports/site."""
    if path is not None:
        return Path(path)
    return Path(os.environ.get(OUTPUT_ENV_VAR, DEFAULT_OUTPUT))


def collect_pages(runner: QueryRunner, validate: bool) -> list[Page]:
    """Every page of the site, in navigation order, drill-downs after the genre report."""
    index = pages.index_page(runner, validate)
    genre_report, *genre_details = pages.genre_pages(runner, validate)
    return [
        index,
        genre_report,
        pages.trends_page(runner, validate),
        pages.drivers_page(runner, validate),
        pages.model_page(runner, validate),
        pages.quality_page(runner, validate),
        pages.insights_page(runner, validate),
        pages.discover_page(runner, validate),
        pages.try_page(runner),
        pages.tracks_page(runner, validate, genre_report.context["slugs"]),
        *genre_details,
    ]


def build_site(
    warehouse: str | os.PathLike[str] | None = None,
    output: str | os.PathLike[str] | None = None,
    validate_charts: bool = False,
    dbt_docs: Path | None = None,
) -> BuildResult:
    """Render the whole site from the warehouse into `output`; returns what was written.

    dbt_docs: a dbt target folder with the docs (`dbt_docs.generate`), copied into the site
    as dbt-docs/ and linked from the index page.
    """
    started = time.perf_counter()
    target = output_path(output).resolve()
    _check_replaceable(target)
    resolved_warehouse = warehouse_path(warehouse)
    connection = connect_readonly(resolved_warehouse)
    # Bundling the Vega JavaScript takes ~2 s of native code: overlap it with the queries.
    bundling = ThreadPoolExecutor(max_workers=1).submit(vega_asset)
    try:
        runner = QueryRunner(connection)
        site_pages = collect_pages(runner, validate_charts)
        build_info = _build_info(site_pages[0], resolved_warehouse)
        build_info["dbt_docs"] = DBT_DOCS_PAGE if dbt_docs is not None else ""
    finally:
        connection.close()

    vega_script = bundling.result()
    env = environment()
    nav = [(path, title) for path, title, _ in pages.REPORTS]
    largest = 0
    with staged(target) as staging:
        for page in site_pages:
            html = render_page(env, page, nav, build_info)
            destination = staging / page.path
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_text(html, encoding="utf-8")
            largest = max(largest, destination.stat().st_size)
        if dbt_docs is not None:
            largest = max(largest, write_dbt_docs(dbt_docs, staging).stat().st_size)
        asset = staging / VEGA_ASSET
        asset.parent.mkdir(parents=True, exist_ok=True)
        asset.write_text(vega_script, encoding="utf-8")
        (staging / MARKER).write_text("written by `python -m reports build`\n", encoding="utf-8")
        site_bytes = sum(path.stat().st_size for path in staging.rglob("*") if path.is_file())
        swap_in(staging, target)
    written = [page.path for page in site_pages]
    return BuildResult(
        target,
        written + ([DBT_DOCS_PAGE] if dbt_docs is not None else []),
        time.perf_counter() - started,
        largest,
        site_bytes,
    )


def _build_info(index: Page, warehouse: Path) -> dict[str, str]:
    row = index.context.get("build_row") or {}
    return {
        "warehouse": str(warehouse),
        "built_at": format_value(row.get("built_at_utc")),
        "models_trained_at": format_value(row.get("models_trained_at")),
        "model_run_id": format_value(row.get("model_run_id")),
    }


def _check_replaceable(target: Path) -> None:
    if target.exists() and (
        not target.is_dir() or (any(target.iterdir()) and not (target / MARKER).exists())
    ):
        raise OutputFolderError(
            f"{target}: exists and was not written by the report builder; choose an empty or "
            "new folder with --output (the builder replaces its own output only)."
        )
