"""Run dbt-labs/dbt-project-evaluator over this project and fail on any finding left.

    DBT_PROJECT_EVALUATOR_DIR=~/src/dbt-project-evaluator DBT_UTILS_DIR=~/src/dbt-utils \
        make evaluate

The two packages are not dependencies of the project (a normal `dbt build` must not need
them, and the hub is out of reach for CI), so this works in a throw-away copy: the project's
dbt files, a packages.yml naming the two local checkouts, `dbt deps`, then
`dbt build --select package:dbt_project_evaluator dbt_project_evaluator_exceptions` into a
scratch DuckDB file. Our rule settings (`vars: dbt_project_evaluator:` in dbt_project.yml)
and exceptions (dbt_project/seeds/dbt_project_evaluator_exceptions.csv, disabled in normal
builds and enabled in the copy) are the project's own. Every rule's result is printed; the
exit status is 1 when a rule still has a finding the exceptions do not cover.
See docs/project-evaluator.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb
import yaml

from models_ml.refresh import dbt_executable

ROOT = Path(__file__).resolve().parent.parent
EVALUATOR = "dbt_project_evaluator"
EXCEPTIONS_SEED = "dbt_project_evaluator_exceptions"
PACKAGES = {  # env var -> the package name its dbt_project.yml must declare
    "DBT_PROJECT_EVALUATOR_DIR": EVALUATOR,
    "DBT_UTILS_DIR": "dbt_utils",
}
#: Checkout contents the package does not need (and the evaluator's own test project).
_NOT_PACKAGE = shutil.ignore_patterns(".git", "integration_tests", "docs", "target", "logs")


class EvaluatorError(Exception):
    """The run could not be set up or dbt failed (not a finding)."""


def package_dir(variable: str) -> Path:
    value = os.environ.get(variable)
    if not value:
        raise EvaluatorError(
            f"{variable} is not set: point it at a local checkout of "
            f"{PACKAGES[variable]} (docs/project-evaluator.md)"
        )
    path = Path(value).expanduser().resolve()
    project_file = path / "dbt_project.yml"
    if not project_file.is_file():
        raise EvaluatorError(f"{variable}={value}: no dbt_project.yml there")
    name = yaml.safe_load(project_file.read_text(encoding="utf-8")).get("name")
    if name != PACKAGES[variable]:
        raise EvaluatorError(
            f"{variable}={value}: dbt_project.yml names package {name!r}, "
            f"expected {PACKAGES[variable]!r}"
        )
    return path


def prepare(scratch: Path, evaluator: Path, utils: Path) -> Path:
    """The throw-away project: our dbt files plus the two packages, installed."""
    project = scratch / "project"
    project.mkdir()
    for name in ("dbt_project.yml", "profiles.yml"):
        shutil.copy2(ROOT / name, project / name)
    shutil.copytree(ROOT / "dbt_project", project / "dbt_project", ignore=_NOT_PACKAGE)

    # The evaluator's packages.yml asks the dbt hub for dbt_utils, which `dbt deps` cannot
    # reach offline; our packages file gives it the local dbt_utils instead.
    evaluator_copy = scratch / EVALUATOR
    shutil.copytree(evaluator, evaluator_copy, ignore=_NOT_PACKAGE)
    (evaluator_copy / "packages.yml").unlink(missing_ok=True)
    (evaluator_copy / "dependencies.yml").unlink(missing_ok=True)
    # Our exceptions seed replaces the package's empty one: only one seed (and one YAML entry)
    # may have the name, so the package's goes from the copy.
    if (project / "dbt_project" / "seeds" / f"{EXCEPTIONS_SEED}.csv").is_file():
        (evaluator_copy / "seeds" / f"{EXCEPTIONS_SEED}.csv").unlink(missing_ok=True)
        (evaluator_copy / "seeds" / "seeds.yml").unlink(missing_ok=True)
    packages = {"packages": [{"local": str(evaluator_copy)}, {"local": str(utils)}]}
    (project / "packages.yml").write_text(yaml.safe_dump(packages), encoding="utf-8")

    # Our exceptions seed is disabled in dbt_project.yml so that normal builds leave it out.
    if (project / "dbt_project" / "seeds" / f"{EXCEPTIONS_SEED}.csv").is_file():
        settings_file = project / "dbt_project.yml"
        settings = yaml.safe_load(settings_file.read_text(encoding="utf-8"))
        ours = settings["seeds"][settings["name"]][EXCEPTIONS_SEED]
        ours["+enabled"] = True
        settings_file.write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    return project


def dbt(project: Path, log: Path, *arguments: str) -> None:
    environment = dict(os.environ)
    environment["SPOTIFY_WAREHOUSE_PATH"] = str(project.parent / "evaluator.duckdb")
    # The on-run-start hook checks the raw files; the copy has none, so point at ours.
    environment.setdefault("SPOTIFY_RAW_DIR", str(ROOT / "data" / "raw"))
    environment.setdefault("SPOTIFY_INCOMING_DIR", str(ROOT / "data" / "incoming"))
    environment["DBT_PROFILES_DIR"] = str(project)
    with log.open("a", encoding="utf-8") as output:
        finished = subprocess.run(
            [dbt_executable(), *arguments],
            cwd=project,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if finished.returncode != 0:
        tail = "".join(log.read_text(encoding="utf-8").splitlines(keepends=True)[-40:])
        raise EvaluatorError(f"dbt {arguments[0]} failed (log: {log}):\n{tail}")


def findings(project: Path) -> list[tuple[str, str, int]]:
    """(rule, table it reads, rows) for every evaluator test, worst first."""
    run_results = json.loads((project / "target" / "run_results.json").read_text())
    manifest = json.loads((project / "target" / "manifest.json").read_text())
    rules = []
    for result in run_results["results"]:
        unique_id = result["unique_id"]
        if not unique_id.startswith(f"test.{EVALUATOR}."):
            continue
        test = manifest["nodes"][unique_id]
        table = manifest["nodes"][test["depends_on"]["nodes"][0]]["name"]
        failing = result["status"] in ("warn", "fail", "error")
        rules.append((test["name"], table, int(result["failures"] or 0) if failing else 0))
    return sorted(rules, key=lambda rule: (-rule[2], rule[1]))


def show(database: Path, rules: list[tuple[str, str, int]]) -> None:
    with duckdb.connect(str(database), read_only=True) as connection:
        for test, table, failures in rules:
            if not failures:
                continue
            print(f"\n-- {table} ({test}): {failures} --")
            relation = connection.execute(
                "select table_schema from information_schema.tables where table_name = ?",
                [table],
            ).fetchone()
            result = connection.execute(f'select * from "{relation[0]}"."{table}"')
            columns = [column[0] for column in result.description]
            print(" | ".join(columns))
            for row in result.fetchall():
                print(" | ".join("" if value is None else str(value) for value in row))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--keep", action="store_true", help="keep the throw-away project and its DuckDB file"
    )
    options = parser.parse_args(argv)
    try:
        evaluator = package_dir("DBT_PROJECT_EVALUATOR_DIR")
        utils = package_dir("DBT_UTILS_DIR")
    except EvaluatorError as error:
        print(f"project_evaluator: {error}", file=sys.stderr)
        return 2

    scratch = Path(tempfile.mkdtemp(prefix="project-evaluator-"))
    try:
        project = prepare(scratch, evaluator, utils)
        log = scratch / "dbt.log"
        print(f"dbt-project-evaluator from {evaluator}, dbt_utils from {utils}")
        print(f"dbt deps and dbt build in {project} (about a minute; log: {log})")
        dbt(project, log, "deps")
        dbt(project, log, "build", "--select", f"package:{EVALUATOR}", EXCEPTIONS_SEED)
        rules = findings(project)
        show(scratch / "evaluator.duckdb", rules)
        print(f"\n{'rule (the model it checks)':<58} findings")
        for test, table, failures in rules:
            rule = table if test.startswith("is_empty_") else f"{table} ({test})"
            print(f"  {rule:<56} {failures}")
        left = sum(1 for _, _, failures in rules if failures)
        if left:
            print(
                f"\n{left} rule(s) with findings that are not documented exceptions: fix them "
                f"or add a reasoned row to dbt_project/seeds/{EXCEPTIONS_SEED}.csv"
            )
        else:
            print(f"\nAll {len(rules)} rules pass (with the documented exceptions).")
        return 1 if left else 0
    except EvaluatorError as error:
        print(f"project_evaluator: {error}", file=sys.stderr)
        return 2
    finally:
        if options.keep:
            print(f"kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
