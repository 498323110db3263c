"""The report site in a real browser: headless Chromium opens every page from disk with the
network off; every chart must draw, the console must stay clean, nothing may be requested
from outside the machine, and names containing HTML must show as text.

Needs Debian's chromium and chromium-driver (`.ci/run` installs them). Without them these
tests fail with the install hint, unless SPOTIFY_SKIP_BROWSER_TESTS=1 (tests/conftest.py).
"""

from __future__ import annotations

import pytest

from reports.browser import check_site
from reports.build import BuildResult
from reports.dbt_docs import DBT_DOCS_PAGE
from reports.pages import REPORTS
from tests.support import visible_text

pytestmark = pytest.mark.browser

SCREENSHOTS = ("index.png", "genres.png", "trends.png", "try.png", "try-track.png")
HTML_TRACK_NAME = "<script>alert(1)</script> & \"Quotes\" 'n' Ampersands"


@pytest.mark.dbt_fixture
def test_fixture_site_renders_offline_with_a_clean_console(fixture_site: BuildResult) -> None:
    results = check_site(fixture_site.output)
    assert len(results) == len(fixture_site.pages)
    failing = {result.page: result.problems for result in results if not result.ok}
    assert not failing
    assert sum(result.chart_count for result in results) >= len(fixture_site.pages)
    for name in SCREENSHOTS:
        shot = fixture_site.output / "screenshots" / name
        assert shot.stat().st_size > 10_000, shot


@pytest.mark.dbt_fixture
def test_html_in_a_track_name_shows_as_text(fixture_site: BuildResult) -> None:
    text = visible_text(fixture_site.output, "tracks.html", search="Ampersands")
    assert HTML_TRACK_NAME in text
    assert 'Tom & Jerry <b>"The Band"</b>' in text
    assert "1 of " in text  # the search box hid every other row


@pytest.mark.real_data
def test_real_site_renders_offline(real_site: BuildResult) -> None:
    """The site `make` writes for the full data: top-level reports and the 6 playlist-genre
    pages in the browser (the other drill-downs share their template); every page under
    2 MB and the whole site under 25 MB (one shared Vega file, not one copy per page)."""
    sizes = {path: (real_site.output / path).stat().st_size for path in real_site.pages}
    assert max(sizes.values()) < 2_000_000, max(sizes.items(), key=lambda item: item[1])
    assert real_site.site_bytes < 25_000_000, real_site.site_bytes
    assert len(real_site.pages) == len(REPORTS) + 114 + 6 + 24 + 1  # + the dbt docs
    pages = [path for path, _, _ in REPORTS] + [
        path for path in real_site.pages if path.startswith("genres/playlist_genre/")
    ]
    results = check_site(real_site.output, pages)
    assert len(results) == len(pages)
    failing = {result.page: result.problems for result in results if not result.ok}
    assert not failing
    assert all(result.rendered_chart_count == result.chart_count for result in results)
    for name in SCREENSHOTS:
        assert (real_site.output / "screenshots" / name).is_file()
    print(
        f"real site: {len(real_site.pages)} pages in {real_site.seconds:.1f} s; "
        f"screenshots in {real_site.output / 'screenshots'}"
    )


@pytest.mark.dbt_fixture
def test_the_dbt_docs_page_shows_the_project_from_disk(fixture_site: BuildResult) -> None:
    """dbt's app read its manifest from the scripts beside it: the project tree is there."""
    text = visible_text(fixture_site.output, DBT_DOCS_PAGE)
    # A source and the exposure types, all from the manifest (the app shows none without it).
    assert "tidytuesday" in text
    assert "Application" in text and "Dashboard" in text
