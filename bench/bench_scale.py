"""Scale benchmark: the portable layers on DuckDB and on Spark at 1x, 10x and 100x the raw data.

    python bench/bench_scale.py [--sizes 1 10 100] [--engines duckdb spark] [--seed 0]
        [--workdir DIR] [--keep] [--keep-builds] [--resume] [--markdown PATH]
        [--timeout-minutes 40]
        [--duckdb-memory-limit 12GB] [--memory-limit-gb 18]

1. Generates the raw files at each size from the real ones (data/raw/dataset.csv.gz, the
   114-genre tracks file, and data/raw/spotify_songs.csv.gz, the playlist file). Size n holds
   n copies of every data line. Copy 0 is the original line as it is. Every later copy k
   gives each track id a new 22-character base62 id, drawn from (seed, k, original id), so a
   track keeps one new id in both files and its repeated rows stay repeats; album and
   playlist ids get new ids the same way, so each copy is a new set of albums and playlists
   of the original sizes. The audio features are multiplied by a factor within +-2 % drawn
   from the same key (so a track's rows, which agree in the original, still agree), kept
   inside their valid range, printed with the original's number of significant digits.
   Everything else (names, popularity, duration, key, mode, time signature, genres,
   release dates) and every faulty value is copied as it is: a value that does not parse,
   is out of range or is 0 (tempo 0, instrumentalness 0) is never changed, and a line that
   is not a clean CSV record of the header's width is copied byte for byte. So the share of
   quarantined, nullified and deduplicated rows is the original's at every size.
   Each source is split into files of whole copies (1 file at 1x, min(n, 10) files at n x,
   each with the header), plain CSV: Spark splits a plain file into 128 MB blocks read in
   parallel, while a gzip file is one task however large. The incoming folder is a copy of
   data/incoming/*.csv (not scaled).
2. Builds `dbt build --selector portable` (DuckDB: the default target; Spark: --target spark)
   from scratch for every size and engine, each into its own warehouse, Spark folder, models
   folder, target and log folder, with the files given as globs (tracks_file: dataset-*.csv).
   DuckDB gets --duckdb-memory-limit (default 12GB) as its memory_limit; Spark runs with the
   profile's defaults (local[2], 4g driver; SPOTIFY_SPARK_* variables apply).
   Wall time from process start to exit; peak memory: the highest sampled sum of the
   resident memory of the build's process tree (dbt and, for Spark, the JVM it starts),
   sampled every 0.2 s with psutil, and the maxrss of the reaped tree (os.wait4), whichever
   is larger (the maxrss misses Spark's JVM: dbt never waits for it, so getrusage never
   sees it; the sample does); lines per second = data lines of the raw files / wall
   seconds; passed = dbt exited 0 (every model, seed, data test and unit test passed). A
   build over --timeout-minutes or over --memory-limit-gb is stopped and reported with how
   far it got.
3. Prints the table (size, engine, raw lines, wall s, peak memory GB, lines/s, passed), each
   engine's 100x/10x wall-time ratio, the quarantine and track counts per build (they must
   be n times those of 1x), and the load average; --markdown PATH writes the same as
   Markdown.

The generated files go to --workdir (default: a temporary folder), removed at the end
unless --keep. 100x needs about 2.9 GB for the raw files, plus the build being measured
(each build's warehouse or Spark folder is removed after it unless --keep-builds).
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import hashlib
import json
import math
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from spotify_warehouse.commands import dbt_executable  # noqa: E402
from spotify_warehouse.spark import spark_tables  # noqa: E402
from spotify_warehouse.sql import literal  # noqa: E402

RAW = ROOT / "data" / "raw"
INCOMING = ROOT / "data" / "incoming"
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
SPOTIFY_ID = re.compile(r"[0-9A-Za-z]{22}\Z")
PLAIN_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\Z")
#: One RFC 4180 field (as raw_lines_spark.sql and the DuckDB loader read them).
CSV_FIELD = r'(?:"(?:[^"]|"")*"|[^,"\r][^,\r]*|)'
CSV_LINE = re.compile(f"{CSV_FIELD}(?:,{CSV_FIELD})*\\Z")
CSV_FIELDS = re.compile(f"(?:^|,)({CSV_FIELD})")
#: Largest relative change of an audio feature in a copy.
JITTER = 0.02
#: The audio features that are jittered, with their valid range (staging's out_of_range
#: rule); a value outside it, or 0, is copied unchanged. The position in this tuple picks
#: the factor's byte, the same in both files.
FEATURES: tuple[tuple[str, float, float], ...] = (
    ("danceability", 0.0, 1.0),
    ("energy", 0.0, 1.0),
    ("loudness", -70.0, 10.0),
    ("speechiness", 0.0, 1.0),
    ("acousticness", 0.0, 1.0),
    ("instrumentalness", 0.0, 1.0),
    ("liveness", 0.0, 1.0),
    ("valence", 0.0, 1.0),
    ("tempo", 0.0, math.inf),
)
MAX_FILES = 10


@dataclass(frozen=True)
class SourceFile:
    """One raw source and how its copies are made."""

    name: str  # file name prefix of the generated files (the original's stem)
    original: Path
    ids: dict[str, str]  # column -> id kind ('track' keys the factors too)
    index_column: str | None = None  # the tracks file's pandas index, renumbered per copy


SOURCES = (
    SourceFile("dataset", RAW / "dataset.csv.gz", {"track_id": "track"}, index_column=""),
    SourceFile(
        "spotify_songs",
        RAW / "spotify_songs.csv.gz",
        {"track_id": "track", "track_album_id": "album", "playlist_id": "playlist"},
    ),
)


@dataclass
class Template:
    """A data line split into its raw field texts (quotes kept), with what a copy changes."""

    text: str  # the line as it is (without LF; with its CR if it had one)
    fields: list[str] | None = None  # None: copied as it is
    ending: str = ""
    ids: list[tuple[int, str, str]] = field(default_factory=list)  # (position, kind, id)
    track: str | None = None
    # (position, FEATURES slot, value, format spec ".<digits>g", whether the original was in
    # scientific notation, low, high)
    numbers: list[tuple[int, int, float, str, bool, float, float]] = field(default_factory=list)
    index: tuple[int, int] | None = None  # (position, value)


def significant_digits(text: str) -> int:
    mantissa = text.lstrip("-").split("e")[0].split("E")[0].replace(".", "").lstrip("0")
    return max(1, min(17, len(mantissa)))


def split_template(text: str, header: list[str], source: SourceFile) -> Template:
    template = Template(text)
    body, ending = (text[:-1], "\r") if text.endswith("\r") else (text, "")
    if '"' in body:
        if not CSV_LINE.match(body):
            return template
        fields = CSV_FIELDS.findall(body)
    else:
        fields = body.split(",")
    if len(fields) != len(header) or "\r" in body:
        return template
    template.fields, template.ending = fields, ending
    positions = {name: position for position, name in enumerate(header)}
    for column, kind in source.ids.items():
        value = fields[positions[column]]
        if SPOTIFY_ID.match(value):
            template.ids.append((positions[column], kind, value))
            if kind == "track":
                template.track = value
    if template.track is None:
        return template  # no valid id to key the factors: the features stay as they are
    for slot, (column, low, high) in enumerate(FEATURES):
        position = positions.get(column)
        if position is None:
            continue
        raw = fields[position]
        if not PLAIN_NUMBER.match(raw):
            continue
        value = float(raw)
        if value == 0 or not low <= value <= high:
            continue
        spec = f".{significant_digits(raw)}g"
        template.numbers.append((position, slot, value, spec, "e" in raw.lower(), low, high))
    if source.index_column is not None:
        position = positions[source.index_column]
        if fields[position].isdigit():
            template.index = (position, int(fields[position]))
    return template


def read_templates(source: SourceFile) -> tuple[str, list[Template]]:
    """The original file's header line and its data lines as templates."""
    data = gzip.decompress(source.original.read_bytes()).decode("utf-8", "surrogateescape")
    lines = data.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    header_line = lines[0]
    header = [name.strip() for name in header_line.rstrip("\r").split(",")]
    return header_line, [split_template(line, header, source) for line in lines[1:]]


#: A byte as a base62 character (bytes.translate): byte % 62, so ids are valid base62.
BASE62_OF_BYTE = bytes(BASE62[value % 62].encode()[0] for value in range(256))


class CopyKeys:
    """New ids and feature factors of one copy, drawn from (seed, copy, original id)."""

    def __init__(self, seed: int, copy: int) -> None:
        self.prefix = f"{seed}:{copy}:".encode()
        self.ids: dict[tuple[str, str], str] = {}
        self.factors: dict[str, tuple[float, ...]] = {}

    def digest(self, kind: str, original: str) -> bytes:
        return hashlib.blake2b(self.prefix + f"{kind}:{original}".encode(), digest_size=32).digest()

    def new_id(self, kind: str, original: str) -> str:
        found = self.ids.get((kind, original))
        if found is None:
            found = self.digest(kind, original)[:22].translate(BASE62_OF_BYTE).decode()
            self.ids[(kind, original)] = found
        return found

    def track_factors(self, track: str) -> tuple[float, ...]:
        """One factor in [1 - JITTER, 1 + JITTER] per entry of FEATURES."""
        found = self.factors.get(track)
        if found is None:
            tail = self.digest("track", track)[22 : 22 + len(FEATURES)]
            found = tuple(1 + (byte - 127.5) / 127.5 * JITTER for byte in tail)
            self.factors[track] = found
        return found


def copy_line(template: Template, keys: CopyKeys, copy: int, line_count: int) -> str:
    if template.fields is None or copy == 0:
        return template.text
    fields = list(template.fields)
    for position, kind, original in template.ids:
        fields[position] = keys.new_id(kind, original)
    if template.numbers:
        factors = keys.track_factors(template.track)  # type: ignore[arg-type]
        for position, slot, value, spec, scientific, low, high in template.numbers:
            jittered = value * factors[slot]
            if jittered > high:
                jittered = high
            elif jittered < low:
                jittered = low
            text = format(jittered, spec)
            if not scientific and "e" in text:
                text = f"{jittered:.0f}"  # 3 digits and 1,018.9: 1019, not 1.02e+03
            fields[position] = text
    if template.index is not None:
        position, value = template.index
        fields[position] = str(value + copy * line_count)
    return ",".join(fields) + template.ending


def copy_groups(size: int, files: int) -> list[range]:
    """Copies 0..size-1 in `files` contiguous groups of (nearly) equal size."""
    bounds = [round(size * part / files) for part in range(files + 1)]
    return [range(bounds[part], bounds[part + 1]) for part in range(files)]


# --- Generating the raw files --------------------------------------------------------------

_TEMPLATES: dict[str, tuple[str, list[Template]]] = {}


def templates_of(source: SourceFile) -> tuple[str, list[Template]]:
    """The source's header and templates, read once for every size."""
    if source.name not in _TEMPLATES:
        _TEMPLATES[source.name] = read_templates(source)
    return _TEMPLATES[source.name]


def generate(folder: Path, size: int, seed: int) -> dict[str, int]:
    """The raw files at `size` x in `folder` (made anew); returns the data lines per file
    glob. A folder already holding this size and seed (--keep of an earlier run) is reused."""
    manifest = folder / "manifest.json"
    if manifest.is_file():
        found = json.loads(manifest.read_text())
        if found.get("size") == size and found.get("seed") == seed:
            print(f"{size}x: reusing the files in {folder}", flush=True)
            return found["lines"]
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    files = 1 if size == 1 else min(size, MAX_FILES)
    lines: dict[str, int] = {}
    started = time.perf_counter()
    for source in SOURCES:
        header_line, templates = templates_of(source)
        written = 0
        for number, group in enumerate(copy_groups(size, files)):
            path = folder / f"{source.name}-{number:02d}.csv"
            with path.open("w", encoding="utf-8", errors="surrogateescape", newline="") as out:
                out.write(header_line + "\n")
                for copy in group:
                    keys = CopyKeys(seed, copy)
                    out.writelines(
                        copy_line(template, keys, copy, len(templates)) + "\n"
                        for template in templates
                    )
                    written += len(templates)
            print(
                f"  {size}x {source.name}: file {number + 1}/{files} (copies "
                f"{group.start}-{group.stop - 1}), {written:,} lines so far, "
                f"{time.perf_counter() - started:.0f} s",
                flush=True,
            )
        lines[f"{source.name}-*.csv"] = written
    incoming = folder / "incoming"
    incoming.mkdir()
    for path in sorted(INCOMING.glob("*.csv")):
        shutil.copy(path, incoming / path.name)
        lines[f"incoming/{path.name}"] = len(path.read_bytes().splitlines()) - 1
    manifest.write_text(json.dumps({"size": size, "seed": seed, "files": files, "lines": lines}))
    return lines


# --- Building -------------------------------------------------------------------------------


@dataclass
class Build:
    size: int
    engine: str
    raw_lines: int
    wall_seconds: float
    tree_peak_bytes: int  # highest sampled sum of RSS over the build's process tree
    maxrss_bytes: int  # os.wait4: the largest process of the reaped tree
    status: str  # passed / failed / timeout / memory limit
    progress: str  # "118 of 118" nodes done
    results: dict[str, int]  # run_results.json statuses
    load: tuple[float, float, float]  # 1-minute load average: mean, min, max during the build
    checks: dict[str, int]  # quarantined and track counts read from the built tables
    at_peak: list[str]  # the dbt nodes running when the memory peaked
    exit_code: int = 0  # dbt's; negative: the signal that ended it

    @property
    def peak_gb(self) -> float:
        return max(self.tree_peak_bytes, self.maxrss_bytes) / 1e9

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    @property
    def lines_per_second(self) -> float:
        return self.raw_lines / self.wall_seconds


class TreeSampler(threading.Thread):
    """Samples the resident memory of a process and its descendants, and the load average;
    stops the process group when the memory passes `limit_bytes`."""

    def __init__(self, pid: int, limit_bytes: int, interval: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.pid, self.limit, self.interval = pid, limit_bytes, interval
        self.peak = 0
        self.peak_at = 0.0  # time.time() of the peak
        self.samples: list[tuple[float, int]] = []  # (time.time(), bytes), every second
        self.loads: list[float] = []
        self.over_limit = False
        self.done = threading.Event()

    def run(self) -> None:
        import psutil

        try:
            root = psutil.Process(self.pid)
        except psutil.NoSuchProcess:
            return
        ticks = 0
        while not self.done.is_set():
            total = 0
            try:
                for process in [root, *root.children(recursive=True)]:
                    with contextlib.suppress(psutil.NoSuchProcess):
                        total += process.memory_info().rss
            except psutil.NoSuchProcess:
                break
            now = time.time()
            if total > self.peak:
                self.peak, self.peak_at = total, now
            if ticks % 5 == 0:
                self.samples.append((now, total))
            if total > self.limit and not self.over_limit:
                self.over_limit = True
                stop_group(self.pid)
            if ticks % 25 == 0:
                self.loads.append(os.getloadavg()[0])
            ticks += 1
            self.done.wait(self.interval)


def stop_group(pid: int) -> None:
    """SIGTERM to the build's process group (dbt and the JVM it started), SIGKILL after 20 s."""
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return

    def kill_later() -> None:
        time.sleep(20)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)

    threading.Thread(target=kill_later, daemon=True).start()


PROGRESS = re.compile(r"^\S+\s+(\d+) of (\d+) (?:OK|PASS|ERROR|FAIL|WARN|SKIP)", re.MULTILINE)


def dbt_vars(data_dir: Path) -> str:
    values = {
        "raw_data_dir": str(data_dir),
        "tracks_file": "dataset-*.csv",
        "playlist_tracks_file": "spotify_songs-*.csv",
        "incoming_dir": str(data_dir / "incoming"),
    }
    return json.dumps(values)  # JSON is YAML: dbt reads --vars as YAML


def run_build(
    engine: str,
    size: int,
    data_dir: Path,
    raw_lines: int,
    build_dir: Path,
    timeout_seconds: float,
    memory_limit_bytes: int,
    duckdb_memory_limit: str,
) -> Build:
    shutil.rmtree(build_dir, ignore_errors=True)
    build_dir.mkdir(parents=True)
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SPOTIFY_RAW_DIR", "SPOTIFY_INCOMING_DIR"}
    }
    env.update(
        {
            "SPOTIFY_WAREHOUSE_PATH": str(build_dir / "warehouse.duckdb"),
            "SPOTIFY_MODELS_DIR": str(build_dir / "models"),
            "SPOTIFY_SPARK_DIR": str(build_dir / "spark"),
            "DBT_PROFILES_DIR": str(ROOT),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DBT_USE_COLORS": "false",
            "SPOTIFY_DUCKDB_MEMORY_LIMIT": duckdb_memory_limit,
        }
    )
    command = [dbt_executable(), "build", "--selector", "portable"]
    if engine == "spark":
        command += ["--target", "spark"]
    command += [
        "--target-path",
        str(build_dir / "target"),
        "--log-path",
        str(build_dir / "logs"),
        "--vars",
        dbt_vars(data_dir),
    ]
    log_path = build_dir / "dbt-output.log"
    print(f"{size}x {engine}: dbt build (output: {log_path})", flush=True)
    with log_path.open("w") as log:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        sampler = TreeSampler(process.pid, memory_limit_bytes)
        sampler.start()
        timed_out = False
        reported = started
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            now = time.perf_counter()
            if not timed_out and now - started > timeout_seconds:
                timed_out = True
                stop_group(process.pid)
            if now - reported >= 60:
                reported = now
                done = PROGRESS.findall(log_path.read_text(errors="replace"))
                step = f"{done[-1][0]} of {done[-1][1]} nodes" if done else "starting"
                print(f"  ... {now - started:.0f} s, {step}", flush=True)
            time.sleep(0.2)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        sampler.done.set()
        sampler.join()
    (build_dir / "memory.csv").write_text(
        "seconds,rss_bytes\n"
        + "".join(f"{at - sampler.samples[0][0]:.1f},{rss}\n" for at, rss in sampler.samples)
        if sampler.samples
        else ""
    )
    output = log_path.read_text(errors="replace")
    done = PROGRESS.findall(output)
    progress = f"{done[-1][0]} of {done[-1][1]}" if done else "0"
    results = run_results(build_dir / "target" / "run_results.json")
    if sampler.over_limit:
        state = "memory limit"
    elif timed_out:
        state = "timeout"
    elif process.returncode < 0:
        # Ended by a signal the benchmark did not send (on a shared machine, someone's
        # clean-up of Spark or dbt processes): run_builds runs it again.
        state = f"killed (signal {-process.returncode})"
    else:
        state = "passed" if process.returncode == 0 else "failed"
    if state != "passed":
        print(output[-3000:], flush=True)
    loads = sampler.loads or [os.getloadavg()[0]]
    build = Build(
        size=size,
        engine=engine,
        raw_lines=raw_lines,
        wall_seconds=wall,
        tree_peak_bytes=sampler.peak,
        maxrss_bytes=usage.ru_maxrss * 1024,
        status=state,
        progress=progress,
        results=results,
        load=(sum(loads) / len(loads), min(loads), max(loads)),
        checks=built_counts(engine, build_dir) if state == "passed" else {},
        at_peak=running_at(build_dir / "target" / "run_results.json", sampler.peak_at),
        exit_code=process.returncode,
    )
    print(
        f"{size}x {engine}: {state} in {wall:.0f} s ({progress} nodes; {results}); peak "
        f"memory {build.peak_gb:.2f} GB (process tree sampled {sampler.peak / 1e9:.2f} GB, "
        f"wait4 maxrss {build.maxrss_bytes / 1e9:.2f} GB); {build.lines_per_second:,.0f} "
        f"lines/s; load {build.load[0]:.1f} ({build.load[1]:.1f}-{build.load[2]:.1f}); "
        f"checks {build.checks}; running at the memory peak: {', '.join(build.at_peak)}",
        flush=True,
    )
    return build


def running_at(path: Path, moment: float) -> list[str]:
    """The nodes (models, tests) that were running at `moment` (time.time()), by the timing
    of run_results.json."""
    from datetime import datetime

    if not path.is_file() or not moment:
        return []
    running = []
    for result in json.loads(path.read_text())["results"]:
        timing = result.get("timing") or []
        if not timing:
            continue
        start = datetime.fromisoformat(timing[0]["started_at"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(timing[-1]["completed_at"].replace("Z", "+00:00"))
        if start.timestamp() <= moment <= end.timestamp():
            running.append(result["unique_id"].split(".")[2])  # the node's name
    return running


def run_results(path: Path) -> dict[str, int]:
    """How many nodes ended in each status (success, pass, error, fail, ...)."""
    if not path.is_file():
        return {}
    counts: dict[str, int] = {}
    for result in json.loads(path.read_text())["results"]:
        counts[result["status"]] = counts.get(result["status"], 0) + 1
    return counts


CHECKS = {
    "quarantined": (
        "select sum(quarantined_rows) from {source_reconciliation} "
        "where source_name in ('spotify.tracks', 'tidytuesday.playlist_tracks')"
    ),
    "malformed": (
        "select sum(malformed_lines) from {source_reconciliation} "
        "where source_name in ('spotify.tracks', 'tidytuesday.playlist_tracks')"
    ),
    "accepted": (
        "select sum(accepted_rows) from {source_reconciliation} "
        "where source_name in ('spotify.tracks', 'tidytuesday.playlist_tracks')"
    ),
    "tracks": "select count(*) from {dim_tracks}",
    "playlists": "select count(*) from {dim_playlists}",
}


def built_counts(engine: str, build_dir: Path) -> dict[str, int]:
    """Counts read from the built tables (DuckDB file, or Spark's Parquet folders read by
    DuckDB), to check that size n holds n times the rows of 1x on both engines."""
    import duckdb

    if engine == "duckdb":
        names = {
            "source_reconciliation": "quality.source_reconciliation",
            "dim_tracks": "marts.dim_tracks",
            "dim_playlists": "marts.dim_playlists",
        }
        connection = duckdb.connect(str(build_dir / "warehouse.duckdb"), read_only=True)
    else:
        folders = {
            table.table: table.folder
            for table in spark_tables(build_dir / "spark", ("quality", "marts"))
        }
        names = {
            name: f"read_parquet({literal(str(folders[name] / '*.parquet'))})"
            for name in ("source_reconciliation", "dim_tracks", "dim_playlists")
        }
        connection = duckdb.connect()
    with connection:
        return {
            name: int(connection.execute(sql.format(**names)).fetchone()[0])
            for name, sql in CHECKS.items()
        }


# --- The table --------------------------------------------------------------------------------

COLUMNS = ("size", "engine", "raw lines", "wall s", "peak memory GB", "lines/s", "passed", "load")


def table_rows(builds: list[Build]) -> list[list[str]]:
    rows = []
    for build in builds:
        passed = "yes" if build.passed else f"no ({build.status}, {build.progress} nodes)"
        rows.append(
            [
                f"{build.size}x",
                build.engine,
                f"{build.raw_lines:,}",
                f"{build.wall_seconds:,.0f}",
                f"{build.peak_gb:.2f}",
                f"{build.lines_per_second:,.0f}",
                passed,
                f"{build.load[0]:.1f} ({build.load[1]:.1f}-{build.load[2]:.1f})",
            ]
        )
    return rows


def ratios(builds: list[Build]) -> list[str]:
    lines = []
    for engine in dict.fromkeys(build.engine for build in builds):
        by_size = {build.size: build for build in builds if build.engine == engine}
        if 10 in by_size and 100 in by_size:
            ten, hundred = by_size[10], by_size[100]
            ratio = hundred.wall_seconds / ten.wall_seconds
            bound = "" if hundred.passed else " at least (100x did not finish)"
            lines.append(f"{engine}: 100x/10x wall time {ratio:.1f}{bound}")
    return lines


def text_table(builds: list[Build]) -> str:
    rows = [list(COLUMNS), *table_rows(builds)]
    widths = [max(len(row[column]) for row in rows) for column in range(len(COLUMNS))]
    return "\n".join(
        "  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    )


def markdown_table(builds: list[Build]) -> str:
    lines = [
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "|".join("---" if c in ("engine", "passed") else "---:" for c in COLUMNS) + "|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in table_rows(builds)]
    return "\n".join(lines)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory:.1f} GiB RAM, Python {platform.python_version()}"
    )


def finished_build(path: Path) -> Build | None:
    """A build an earlier run finished (passed, failed on its own, or stopped by the
    benchmark's limits); None when there is none or it was killed from outside."""
    if not path.is_file():
        return None
    build = Build(**json.loads(path.read_text()))
    stopped_by_us = build.status in ("passed", "timeout", "memory limit")
    if stopped_by_us or (build.status == "failed" and build.exit_code > 0):
        return build
    return None


def settings(duckdb_memory_limit: str) -> str:
    spark = {
        name: os.environ.get(f"SPOTIFY_SPARK_{name.upper()}", default)
        for name, default in (
            ("master", "local[2]"),
            ("driver_memory", "4g"),
            ("shuffle_partitions", "4"),
        )
    }
    return (
        f"DuckDB memory_limit {duckdb_memory_limit}, 2 dbt threads; Spark "
        + ", ".join(f"{name} {value}" for name, value in spark.items())
        + ", 2 dbt threads"
    )


# --- Main -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument(
        "--engines", nargs="+", choices=["duckdb", "spark"], default=["duckdb", "spark"]
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the new ids and jitter")
    parser.add_argument("--workdir", type=Path, help="default: a temporary folder")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the generated files (a later run with the same --workdir reuses them) and "
        "each build's log, memory samples and run_results.json (results/)",
    )
    parser.add_argument(
        "--keep-builds", action="store_true", help="keep the warehouses and Spark folders too"
    )
    parser.add_argument(
        "--retries",
        type=int,
        default=2,
        help="run a build again this many times when a signal from outside ends it (default 2)",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="take the builds an earlier run with this --workdir finished (results/) instead "
        "of running them again",
    )
    parser.add_argument("--markdown", type=Path, help="also write the table as Markdown here")
    parser.add_argument(
        "--timeout-minutes", type=float, default=40, help="stop a build after this (default 40)"
    )
    parser.add_argument(
        "--duckdb-memory-limit",
        default="12GB",
        help="DuckDB's memory_limit for its builds (SPOTIFY_DUCKDB_MEMORY_LIMIT; default 12GB: "
        "DuckDB's own default, 80%% of the RAM, leaves no room for anything else)",
    )
    parser.add_argument(
        "--memory-limit-gb",
        type=float,
        default=18,
        help="stop a build whose process tree passes this resident memory (default 18)",
    )
    args = parser.parse_args()

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench_scale_"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"machine: {machine()}; work folder {workdir}", flush=True)
    print(f"settings: {settings(args.duckdb_memory_limit)}", flush=True)
    builds: list[Build] = []
    try:
        for size in sorted(set(args.sizes)):
            data_dir = workdir / f"data-{size}x"
            print(f"{size}x: generating the raw files (seed {args.seed})", flush=True)
            started = time.perf_counter()
            lines = generate(data_dir, size, args.seed)
            raw_lines = sum(lines.values())
            print(
                f"{size}x: {raw_lines:,} data lines ({lines}) in "
                f"{time.perf_counter() - started:.0f} s",
                flush=True,
            )
            for engine in args.engines:
                build_dir = workdir / f"build-{size}x-{engine}"
                kept = workdir / "results" / f"{size}x-{engine}"
                earlier = finished_build(kept / "build.json") if args.resume else None
                if earlier is not None:
                    builds.append(earlier)
                    print(f"{size}x {engine}: result of an earlier run in {kept}", flush=True)
                    continue
                for attempt in range(args.retries + 1):
                    build = run_build(
                        engine,
                        size,
                        data_dir,
                        raw_lines,
                        build_dir,
                        args.timeout_minutes * 60,
                        int(args.memory_limit_gb * 1e9),
                        args.duckdb_memory_limit,
                    )
                    if not build.status.startswith("killed") or attempt == args.retries:
                        break
                    print(f"{size}x {engine}: killed from outside, running it again", flush=True)
                builds.append(build)
                # The build's output, the warehouse and the Spark folder go; its result, log,
                # memory samples and run_results.json stay in results/.
                kept.mkdir(parents=True, exist_ok=True)
                (kept / "build.json").write_text(json.dumps(asdict(builds[-1])))
                for name in ("dbt-output.log", "memory.csv", "target/run_results.json"):
                    if (build_dir / name).is_file():
                        shutil.copy(build_dir / name, kept / Path(name).name)
                if not args.keep_builds:
                    shutil.rmtree(build_dir, ignore_errors=True)
            if not args.keep:
                shutil.rmtree(data_dir, ignore_errors=True)
    finally:
        if builds:
            print()
            print(text_table(builds))
            for line in ratios(builds):
                print(line)
            print(f"machine: {machine()}")
            print(f"settings: {settings(args.duckdb_memory_limit)}")
            if args.markdown:
                args.markdown.write_text(
                    markdown_table(builds)
                    + "\n\n"
                    + "".join(f"- {line}\n" for line in ratios(builds))
                    + f"- machine: {machine()}\n"
                    + f"- settings: {settings(args.duckdb_memory_limit)}\n"
                )
        if not args.keep and args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
