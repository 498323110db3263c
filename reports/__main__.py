"""`python -m reports build | check`: write the static site, or check it in Chromium.

Exit status: 0 on success; 1 when the browser check finds a failing page; 2 with a one-line
message when the site cannot be built or checked (no warehouse, a locked warehouse, no
Chromium, an output folder that is not ours).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reports.build import OUTPUT_ENV_VAR, OutputFolderError, build_site, output_path
from reports.dbt_docs import DEFAULT_DOCS_TARGET, DbtDocsError, generate
from spotify_warehouse.warehouse import WarehouseUnavailableError, warehouse_path


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m reports", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="render the site from the warehouse")
    build.add_argument(
        "--warehouse",
        type=Path,
        default=None,
        help="DuckDB file (default: $SPOTIFY_WAREHOUSE_PATH or data/warehouse.duckdb)",
    )
    build.add_argument(
        "--output",
        type=Path,
        default=None,
        help=f"site folder (default: ${OUTPUT_ENV_VAR} or reports/site)",
    )
    build.add_argument(
        "--dbt-docs",
        action="store_true",
        help="also generate the dbt docs (dbt parse + docs generate, reading the warehouse "
        f"read-only) into {DEFAULT_DOCS_TARGET} and put them in the site as dbt-docs/",
    )
    check = commands.add_parser(
        "check", help="open every page in headless Chromium, offline; write screenshots"
    )
    check.add_argument(
        "--site",
        type=Path,
        default=None,
        help=f"site folder (default: ${OUTPUT_ENV_VAR} or reports/site)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "build":
        try:
            docs = None
            # A missing warehouse is left to build_site, whose error says what to run.
            if args.dbt_docs and warehouse_path(args.warehouse).exists():
                docs = generate(DEFAULT_DOCS_TARGET, warehouse_path(args.warehouse))
            result = build_site(args.warehouse, args.output, dbt_docs=docs)
        except (WarehouseUnavailableError, OutputFolderError, DbtDocsError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        print(
            f"Reports built: {len(result.pages)} pages in {result.seconds:.1f} s "
            f"({result.site_bytes / 1e6:.1f} MB in all, largest page "
            f"{result.largest_page_bytes / 1e6:.2f} MB)"
        )
        print(f"Open: {result.index}")
        return 0
    return _check(output_path(args.site).resolve())


def _check(site: Path) -> int:
    from reports.browser import BrowserUnavailableError, check_site, format_report

    if not (site / "index.html").is_file():
        print(
            f"error: {site}: no index.html; build the site first with `python -m reports build`",
            file=sys.stderr,
        )
        return 2
    try:
        results = check_site(site, show_progress=True)
    except BrowserUnavailableError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(format_report(results))
    print(f"Screenshots: {site / 'screenshots'}")
    return 0 if all(result.ok for result in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
