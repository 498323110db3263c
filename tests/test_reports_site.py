"""The report site rendered from the fixture warehouse: every page, every index number,
offline links, escaping, lineage (dbt exposures), failure modes and data-driven sentences.

The browser side (charts drawn, console clean, no request leaving the machine) is in
tests/test_reports_browser.py; this file checks what can be checked in the HTML itself.
"""

from __future__ import annotations

import csv
import html
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from reports.build import MARKER, BuildResult, OutputFolderError, build_site
from reports.dbt_docs import DBT_DOCS_PAGE, DbtDocsError, write_dbt_docs
from reports.pages import PAGE_QUERY_FOLDERS, REPORTS
from reports.queries import query_sql, tables_read
from reports.render import VEGA_ASSET, vega_bundle
from tests.support import (
    FIXTURE_RAW,
    FIXTURE_VARS,
    DbtResult,
    all_query_names,
    run_dbt,
    run_module,
    scalar,
    writer_holding,
)

TOP_LEVEL_PAGES = [path for path, _, _ in REPORTS]
MAX_PAGE_BYTES = 2_000_000
HTML_TRACK_NAME = "<script>alert(1)</script> & \"Quotes\" 'n' Ampersands"


class _Elements(HTMLParser):
    """Collects start tags with their attributes, and the text of each element by id."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.kpi_text: dict[str, str] = {}
        self._kpi: str | None = None
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if self._kpi is not None:
            self._depth += 1
        elif attributes.get("data-kpi"):
            self._kpi, self._depth = str(attributes["data-kpi"]), 1
            self.kpi_text[self._kpi] = ""

    def handle_endtag(self, tag: str) -> None:
        if self._kpi is not None:
            self._depth -= 1
            if self._depth == 0:
                self._kpi = None

    def handle_data(self, data: str) -> None:
        if self._kpi is not None:
            self.kpi_text[self._kpi] += f" {data}"


def parse(path: Path) -> _Elements:
    parser = _Elements()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


@pytest.mark.dbt_fixture
def test_every_page_exists(
    fixture_site: BuildResult, fixture_db: duckdb.DuckDBPyConnection
) -> None:
    for page in TOP_LEVEL_PAGES:
        assert (fixture_site.output / page).is_file(), page
    genres = fixture_db.execute(
        "select taxonomy, count(*) from marts.mart_genre_popularity group by 1 order by 1"
    ).fetchall()
    assert genres
    for taxonomy, count in genres:
        pages = list((fixture_site.output / "genres" / taxonomy).glob("*.html"))
        assert len(pages) == count, taxonomy
    genre_pages = sum(count for _, count in genres)
    assert len(fixture_site.pages) == len(TOP_LEVEL_PAGES) + genre_pages + 1  # + the dbt docs
    assert (fixture_site.output / MARKER).is_file()


@pytest.mark.dbt_fixture
def test_index_numbers_match_direct_sql(
    fixture_site: BuildResult, fixture_db: duckdb.DuckDBPyConnection
) -> None:
    index = parse(fixture_site.index)
    shown = {key: " ".join(text.split()) + " " for key, text in index.kpi_text.items()}
    expected = {
        "track_count": scalar(fixture_db, "select count(*) from marts.dim_tracks"),
        "artist_count": scalar(
            fixture_db, "select count(distinct artist_name) from marts.dim_artists"
        ),
        "track_genre_count": scalar(
            fixture_db,
            "select count(distinct genre) from marts.bridge_track_genres "
            "where taxonomy = 'track_genre'",
        ),
    }
    for key, value in expected.items():
        assert shown[key].startswith(f"{value:,} "), (key, shown[key])
    playlist, subgenre = fixture_db.execute(
        "select count(distinct genre) filter (where taxonomy = 'playlist_genre'), "
        "count(distinct genre) filter (where taxonomy = 'playlist_subgenre') "
        "from marts.bridge_track_genres"
    ).fetchall()[0]
    assert shown["playlist_genre_count"].startswith(f"{playlist} / {subgenre} ")
    first, last = fixture_db.execute(
        "select min(release_year), max(release_year) from marts.dim_tracks"
    ).fetchall()[0]
    assert shown["years"].startswith(f"{first}\u2013{last} ")
    accuracies = fixture_db.execute(
        "select task, scenario, value from ml.model_metrics where model = 'best' "
        "and statistic = 'mean' and metric = 'accuracy' and scenario != 'new_track'"
    ).fetchall()
    # The new-track genre models are the cold-start ones: the index shows them once.
    assert len(accuracies) == 4
    assert not any(key.endswith("new_track_accuracy") for key in shown)
    for task, scenario, value in accuracies:
        assert shown[f"{task}_{scenario}_accuracy"].startswith(f"{value:.1%} "), (task, scenario)
    r2 = fixture_db.execute(
        "select scenario, value from ml.model_metrics where task = 'popularity' "
        "and model = 'best' and statistic = 'mean' and metric = 'r2'"
    ).fetchall()
    assert len(r2) == 3
    for scenario, value in r2:
        assert shown[f"popularity_{scenario}_r2"].startswith(f"R² {value:.2f} ")
    built_at = scalar(fixture_db, "select built_at_utc from operations.warehouse_builds")
    assert f"built {built_at:%Y-%m-%d %H:%M:%S} UTC" in fixture_site.index.read_text()


def all_pages(site: BuildResult) -> list[Path]:
    return sorted(site.output.rglob("*.html"))


@pytest.mark.dbt_fixture
def test_pages_load_nothing_over_the_network_and_links_resolve(fixture_site: BuildResult) -> None:
    pages = all_pages(fixture_site)
    assert pages
    for page in pages:
        for tag, attributes in parse(page).tags:
            for attribute in ("src", "href"):
                target = attributes.get(attribute)
                if target is None:
                    continue
                assert not re.match(r"^(https?:)?//", target), (page, tag, target)
                local = target.split("#", 1)[0]
                if local:
                    assert (page.parent / local).resolve().is_file(), (page, target)


@pytest.mark.dbt_fixture
def test_pages_stay_light(fixture_site: BuildResult) -> None:
    sizes = {
        page.relative_to(fixture_site.output).as_posix(): page.stat().st_size
        for page in all_pages(fixture_site)
    }
    assert max(sizes.values()) < MAX_PAGE_BYTES, sizes
    assert fixture_site.largest_page_bytes == max(sizes.values())


@pytest.mark.dbt_fixture
def test_pages_with_charts_load_the_one_vega_asset(fixture_site: BuildResult) -> None:
    """The Vega JavaScript is one file of the site, loaded by relative path, never inlined."""
    asset = fixture_site.output / VEGA_ASSET
    assert asset.stat().st_size > 500_000  # the real bundle, not an empty placeholder
    assert asset.read_text(encoding="utf-8").startswith("/* Vega, Vega-Lite and Vega-Embed")
    pieces = [vega_bundle()[start : start + 200] for start in (0, 400_000)]
    pages = all_pages(fixture_site)
    assert pages
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert not any(piece in text for piece in pieces), page
        charts = text.count('class="chart"')
        relative = "../" * len(page.relative_to(fixture_site.output).parts[:-1])
        loads = text.count(f'<script src="{relative}{VEGA_ASSET}"></script>')
        assert loads == (1 if charts else 0), page
    # What the build wrote (the browser check may have added screenshots/ since).
    files = [
        path
        for path in fixture_site.output.rglob("*")
        if path.is_file() and "screenshots" not in path.relative_to(fixture_site.output).parts
    ]
    assert fixture_site.site_bytes == sum(path.stat().st_size for path in files)


@pytest.mark.dbt_fixture
def test_html_in_names_is_text_never_markup(fixture_site: BuildResult) -> None:
    pages = {page: page.read_text(encoding="utf-8") for page in all_pages(fixture_site)}
    for page, text in pages.items():
        assert "<script>alert(1)" not in text, page
        assert '<b>"The Band"' not in text, page
    tracks = pages[fixture_site.output / "tracks.html"]
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;Quotes&#34; &#39;n&#39; Ampersands"
        in tracks
    )
    assert "Tom &amp; Jerry &lt;b&gt;&#34;The Band&#34;&lt;/b&gt;" in tracks


@pytest.mark.dbt_fixture
def test_every_page_lists_its_queries(fixture_site: BuildResult) -> None:
    for page in TOP_LEVEL_PAGES:
        html = (fixture_site.output / page).read_text(encoding="utf-8")
        listed = set(re.findall(r"<code>reports/sql/([a-z_/]+)\.sql</code>", html))
        assert listed, page
        assert listed <= set(all_query_names())


@pytest.mark.dbt_fixture
def test_exposures_declare_what_each_report_reads(fixture_build: tuple[Path, DbtResult]) -> None:
    manifest = json.loads((fixture_build[0].parent / "target" / "manifest.json").read_text())
    exposures = {
        exposure["name"]: {node.rsplit(".", 1)[-1] for node in exposure["depends_on"]["nodes"]}
        for exposure in manifest["exposures"].values()
    }
    for page, _, exposure in REPORTS:
        names = [
            name
            for name in all_query_names()
            if any(
                name == folder or name.startswith(folder + "/")
                for folder in PAGE_QUERY_FOLDERS[page]
            )
        ]
        read = {table.split(".")[1] for name in names for table in tables_read(query_sql(name))}
        assert exposures.get(exposure) == read, (page, exposure)


@pytest.mark.dbt_fixture
def test_refuses_to_replace_a_folder_it_did_not_write(
    fixture_build: tuple[Path, DbtResult], tmp_path: Path
) -> None:
    (tmp_path / "notes.txt").write_text("keep me")
    with pytest.raises(OutputFolderError, match="not written by the report builder"):
        build_site(fixture_build[0], tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "keep me"


@pytest.mark.unit
def test_missing_warehouse_names_what_to_run(tmp_path: Path) -> None:
    result = run_module(
        "reports",
        "build",
        "--warehouse",
        str(tmp_path / "nowhere.duckdb"),
        "--output",
        str(tmp_path / "site"),
    )
    assert result.returncode == 2
    assert "warehouse not found" in result.stderr and "make build" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "site").exists()


@pytest.mark.dbt_fixture
def test_locked_warehouse_says_who_holds_it(
    fixture_build: tuple[Path, DbtResult], tmp_path: Path
) -> None:
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(fixture_build[0], copy)
    with writer_holding(copy) as holder:
        result = run_module(
            "reports", "build", "--warehouse", str(copy), "--output", str(tmp_path / "site")
        )
    assert result.returncode == 2
    assert f"locked by process {holder.pid}" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.dbt_fixture
def test_cli_prints_the_index_path(fixture_build: tuple[Path, DbtResult], tmp_path: Path) -> None:
    result = run_module(
        "reports", "build", "--warehouse", str(fixture_build[0]), "--output", str(tmp_path / "site")
    )
    assert result.returncode == 0, result.stderr
    assert f"Open: {tmp_path / 'site' / 'index.html'}" in result.stdout


# --- the data changes, the sentences change ------------------------------------------------


def insight_sentences(site: Path) -> list[str]:
    page = (site / "insights.html").read_text(encoding="utf-8")
    items = re.findall(r'<li class="insight"[^>]*>(.*?) <span class="source">', page, re.DOTALL)
    return [" ".join(html.unescape(item).split()) for item in items]


def set_popularity(path: Path, column: str, track_ids: set[str]) -> None:
    """Rewrite one raw CSV with popularity 100 for the given tracks; other rows untouched."""
    with path.open(newline="", encoding="utf-8") as handle:
        header, *rows = list(csv.reader(handle))
    id_column, popularity_column = header.index("track_id"), header.index(column)
    for row in rows:
        if len(row) == len(header) and row[id_column] in track_ids:
            row[popularity_column] = "100"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([header, *rows])


@pytest.fixture(scope="module")
def changed_site(
    tmp_path_factory: pytest.TempPathFactory, fixture_db: duckdb.DuckDBPyConnection
) -> tuple[Path, str]:
    """The fixture with every track of the least popular playlist genre at popularity 100,
    built without the ML stage (so the ml tables are missing), and its site."""
    (least_popular,) = fixture_db.execute(
        "select genre from marts.mart_genre_popularity where taxonomy = 'playlist_genre' "
        "order by popularity_rank desc limit 1"
    ).fetchone()
    workdir = tmp_path_factory.mktemp("changed_build")
    raw = workdir / "raw"
    shutil.copytree(FIXTURE_RAW, raw)
    songs = raw / FIXTURE_VARS["playlist_tracks_file"]
    with songs.open(newline="", encoding="utf-8") as handle:
        header, *rows = list(csv.reader(handle))
    genre_column, id_column = header.index("playlist_genre"), header.index("track_id")
    promoted_ids = {
        row[id_column]
        for row in rows
        if len(row) == len(header) and row[genre_column] == least_popular
    }
    set_popularity(songs, "track_popularity", promoted_ids)
    set_popularity(raw / FIXTURE_VARS["tracks_file"], "popularity", promoted_ids)
    warehouse = workdir / "warehouse.duckdb"
    result = run_dbt(
        ["build", "--exclude", "int_ml_models_trained+"],
        workdir,
        warehouse,
        {**FIXTURE_VARS, "raw_data_dir": str(raw)},
    )
    assert result.ok, result.output[-3000:]
    site = build_site(warehouse, workdir / "site")
    return site.output, least_popular


@pytest.mark.dbt_fixture
def test_insight_sentences_follow_the_data(
    fixture_site: BuildResult, changed_site: tuple[Path, str]
) -> None:
    site, promoted = changed_site
    before = insight_sentences(fixture_site.output)
    after = insight_sentences(site)
    leader = re.compile(r"^Of the \d+ playlist genres, (.+?) has the highest mean popularity")
    (before_leader,) = [m.group(1) for s in before if (m := leader.match(s))]
    (after_leader,) = [m.group(1) for s in after if (m := leader.match(s))]
    assert before_leader != promoted
    assert after_leader == promoted
    assert any(f"{promoted} has the lowest" in s for s in before)


@pytest.mark.dbt_fixture
def test_missing_ml_tables_show_no_data_not_errors(changed_site: tuple[Path, str]) -> None:
    site, _ = changed_site
    model_card = (site / "model.html").read_text(encoding="utf-8")
    assert 'class="no-data"' in model_card
    assert "ml.model_metrics" in model_card and "make build" in model_card
    assert 'class="chart"' not in model_card
    index = (site / "index.html").read_text(encoding="utf-8")
    assert 'data-kpi="track_count"' in index
    assert "No model figures" in index


@pytest.mark.dbt_fixture
def test_the_dbt_docs_are_in_the_site_and_linked_from_the_index(
    fixture_site: BuildResult,
) -> None:
    """dbt's docs page with its data beside it (no page over 2 MB), linked from the index."""
    docs = fixture_site.output / DBT_DOCS_PAGE
    page = docs.read_text(encoding="utf-8")
    assert "INLINE DATA" not in page  # both placeholders now read the scripts' globals
    assert page.count('<script src="manifest.js"></script>') == 1
    manifest = (docs.parent / "manifest.js").read_text(encoding="utf-8")
    assert manifest.startswith("window.dbtDocsManifest = {")
    assert '"model.spotify_warehouse.dim_tracks"' in manifest
    assert "window.dbtDocsCatalog = {" in (docs.parent / "catalog.js").read_text(encoding="utf-8")
    index = (fixture_site.output / "index.html").read_text(encoding="utf-8")
    assert f'href="{DBT_DOCS_PAGE}"' in index


@pytest.mark.unit
def test_dbt_docs_need_the_page_and_its_data(tmp_path: Path) -> None:
    target = tmp_path / "target"
    target.mkdir()
    with pytest.raises(DbtDocsError, match="no dbt docs page"):
        write_dbt_docs(target, tmp_path / "site")
    (target / "index.html").write_text(
        '<html><head></head><body><script>const n={manifest:"MANIFEST.JSON INLINE DATA",'
        'catalog:"CATALOG.JSON INLINE DATA"}</script></body></html>'
    )
    with pytest.raises(DbtDocsError, match=r"manifest\.json: missing"):
        write_dbt_docs(target, tmp_path / "site")
    (target / "manifest.json").write_text('{"nodes": {"a": "</script>"}}')
    (target / "catalog.json").write_text("not json")
    with pytest.raises(DbtDocsError, match=r"catalog\.json: not JSON"):
        write_dbt_docs(target, tmp_path / "site")
    (target / "catalog.json").write_text('{"nodes": {}}')
    written = write_dbt_docs(target, tmp_path / "site")
    page = written.read_text()
    assert "{manifest:window.dbtDocsManifest,catalog:window.dbtDocsCatalog}" in page
    assert page.startswith('<html><head><script src="manifest.js"></script>')
    assert "</script>" not in (written.parent / "manifest.js").read_text()
