"""reports.browser on tiny synthetic sites: the checker must fail bad pages, not just pass good.

A checker that always says "ok" looks exactly like a working one on a good site, so every kind
of failure it claims to detect (a chart that never draws, a console error, an uncaught
exception, a request to the internet, a dialog opened by injected script) gets a page here that
must fail for that reason, next to a good page that must pass.

All browser pages are checked in one session (one module-scoped ``check_site`` call), which
also proves that what one page does is reported on that page and not on the next one.

The tests that open pages are marked ``browser``; tests/conftest.py decides what happens when
Chromium is missing (a failure, unless SPOTIFY_SKIP_BROWSER_TESTS=1). The others are unit tests.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reports.browser import (
    BrowserUnavailableError,
    PageResult,
    check_site,
    find_chromium,
    format_report,
)

RENDER_TIMEOUT = 3.0  # pages whose charts never draw wait this long; keep it short
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

#: A small Vega-Lite bar chart (no $schema: vega-embed warns when it names another version).
GOOD_SPEC = {
    "data": {"values": [{"genre": "pop", "tracks": 3}, {"genre": "rock", "tracks": 5}]},
    "mark": "bar",
    "encoding": {
        "x": {"field": "genre", "type": "nominal"},
        "y": {"field": "tracks", "type": "quantitative"},
    },
}
#: Vega-Lite rejects an unknown mark type, so vega-embed never draws this one.
BROKEN_SPEC = {**GOOD_SPEC, "mark": "no-such-mark"}


@pytest.fixture(scope="module")
def vega_bundle() -> str:
    """vega-embed + Vega-Lite + Vega as one script (~0.9 MB), as the report pages inline it."""
    import vl_convert

    return vl_convert.javascript_bundle()


def chart_page(bundle: str, spec: dict[str, object]) -> str:
    embed = json.dumps(spec)
    return page(
        '<div class="chart" data-chart="tracks-per-genre"></div>'
        f"<script>vegaEmbed('[data-chart=\"tracks-per-genre\"]', {embed},"
        " {renderer: 'svg', actions: false});</script>",
        head=f"<script>{bundle}</script>",
    )


def page(body: str, head: str = "") -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>t</title>'
        f"{head}</head><body>{body}</body></html>"
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, vega_bundle: str) -> Path:
    root = tmp_path_factory.mktemp("site")
    pages = {
        "index.html": chart_page(vega_bundle, GOOD_SPEC),
        "drill/track_genre/pop.html": chart_page(vega_bundle, GOOD_SPEC),
        "broken_spec.html": chart_page(vega_bundle, BROKEN_SPEC),
        "unfilled_chart.html": page('<div class="chart" data-chart="nothing-draws-me"></div>'),
        "external_image.html": page('<img src="https://example.com/x.png" alt="">'),
        "console_error.html": page('<script>console.error("boom")</script>'),
        "uncaught.html": page('<script>throw new Error("kaboom-uncaught")</script>'),
        # Guarded: the checker's alert() replacement records the call.
        "alert.html": page("<script>alert(1)</script>"),
        # Unguarded: a data: frame has its own origin, so its alert opens a real dialog.
        "alert_real.html": page(
            "<iframe src=\"data:text/html,<script>alert('from-a-frame')</script>\"></iframe>"
        ),
        # Throws right after the page loaded; the next page (sorted) is clean and must stay so.
        "late_error.html": page(
            '<script>setTimeout(() => { throw new Error("late-boom"); }, 0)</script>'
        ),
        "late_error_next.html": page("<p>nothing wrong here</p>"),
    }
    for name, html in pages.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(html, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def results(chromium: tuple[Path, Path], site: Path) -> dict[str, PageResult]:
    """Every page of the synthetic site, checked in one browser session."""
    checked = check_site(
        site,
        screenshot_pages=("index.html", "uncaught.html"),
        screenshot_dir=site.parent / f"{site.name}-shots",
        render_timeout=RENDER_TIMEOUT,
    )
    return {result.page: result for result in checked}


@pytest.mark.browser
def test_every_html_page_is_checked_in_sorted_order(site: Path, results: dict[str, PageResult]):
    expected = sorted(path.relative_to(site).as_posix() for path in site.rglob("*.html"))
    assert list(results) == expected
    assert "drill/track_genre/pop.html" in results


@pytest.mark.browser
def test_good_chart_page_passes_with_screenshot(site: Path, results: dict[str, PageResult]):
    good = results["index.html"]
    assert good.ok, good
    assert (good.chart_count, good.rendered_chart_count) == (1, 1)
    assert good.console_errors == good.external_requests == good.alerts == ()
    assert good.screenshot == site.parent / f"{site.name}-shots" / "index.png"
    data = good.screenshot.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert len(data) > 1000


@pytest.mark.browser
def test_drill_down_page_passes(results: dict[str, PageResult]):
    nested = results["drill/track_genre/pop.html"]
    assert nested.ok, nested
    assert nested.rendered_chart_count == 1
    assert nested.screenshot is None  # not in screenshot_pages


@pytest.mark.browser
@pytest.mark.parametrize("name", ["broken_spec.html", "unfilled_chart.html"])
def test_chart_that_never_draws_fails(results: dict[str, PageResult], name: str):
    result = results[name]
    assert not result.ok
    assert (result.chart_count, result.rendered_chart_count) == (1, 0)
    assert "0/1 charts rendered" in result.problems


@pytest.mark.browser
def test_request_to_the_internet_is_reported_although_offline(results: dict[str, PageResult]):
    result = results["external_image.html"]
    assert not result.ok
    assert result.external_requests == ("https://example.com/x.png",)


@pytest.mark.browser
def test_console_error_is_reported(results: dict[str, PageResult]):
    result = results["console_error.html"]
    assert not result.ok
    assert any("boom" in error for error in result.console_errors), result.console_errors


@pytest.mark.browser
def test_uncaught_error_is_reported(results: dict[str, PageResult]):
    result = results["uncaught.html"]
    assert not result.ok
    assert any("kaboom-uncaught" in error for error in result.console_errors)
    # A failing page is still screenshotted when asked: the picture helps to see why.
    assert result.screenshot is not None and result.screenshot.stat().st_size > 0


@pytest.mark.browser
def test_alert_is_reported(results: dict[str, PageResult]):
    result = results["alert.html"]
    assert not result.ok
    assert result.alerts == ("1",)


@pytest.mark.browser
def test_real_dialog_is_reported_and_dismissed(results: dict[str, PageResult]):
    result = results["alert_real.html"]
    assert not result.ok
    assert result.alerts == ("from-a-frame",)


@pytest.mark.browser
def test_errors_stay_with_the_page_that_raised_them(results: dict[str, PageResult]):
    assert any("late-boom" in error for error in results["late_error.html"].console_errors)
    assert results["late_error_next.html"].ok, results["late_error_next.html"]


@pytest.mark.browser
def test_report_names_each_failing_page_once(results: dict[str, PageResult]):
    report = format_report(list(results.values())).splitlines()
    failing = sorted(name for name, result in results.items() if not result.ok)
    assert sorted(line.split(":")[0].removeprefix("FAIL ") for line in report[:-1]) == failing
    assert report[-1].startswith(f"{len(results)} pages checked, {len(failing)} failed")


@pytest.mark.unit
def test_format_report_without_a_browser():
    ok = PageResult("index.html", 2, 2, (), (), (), None)
    bad = PageResult(
        "genres.html", 3, 1, ("x.js 1:1 Uncaught Error: e",), ("https://cdn.example/v.js",), ("1",)
    )
    lines = format_report([ok, bad]).splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("FAIL genres.html: 1/3 charts rendered; 1 console error")
    assert "https://cdn.example/v.js" in lines[0] and '1 dialog: "1"' in lines[0]
    assert lines[1] == "2 pages checked, 1 failed; 3/5 charts rendered; 0 screenshots"
    assert format_report([ok]).splitlines() == [
        "1 page checked, all ok; 2/2 charts rendered; 0 screenshots"
    ]


@pytest.mark.unit
def test_missing_page_is_an_error_not_a_result(tmp_path: Path):
    (tmp_path / "index.html").write_text(page("<p>x</p>"), encoding="utf-8")
    with pytest.raises(FileNotFoundError, match=r"quality\.html"):
        check_site(tmp_path, pages=["index.html", "quality.html"])


@pytest.mark.unit
def test_missing_chromium_names_the_debian_packages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("CHROMIUM_BINARY", str(tmp_path / "no-such-chromium"))
    with pytest.raises(BrowserUnavailableError, match="chromium-driver") as raised:
        find_chromium()
    assert "CHROMIUM_BINARY" in str(raised.value)


@pytest.mark.unit
def test_missing_chromedriver_names_the_debian_packages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    fake_chromium = tmp_path / "chromium"
    fake_chromium.write_text("#!/bin/sh\n")
    fake_chromium.chmod(0o755)
    monkeypatch.setenv("CHROMIUM_BINARY", str(fake_chromium))
    monkeypatch.setenv("CHROMEDRIVER", str(tmp_path / "no-such-chromedriver"))
    with pytest.raises(BrowserUnavailableError, match="chromium-driver"):
        find_chromium()


def test_a_missing_selenium_is_one_line_naming_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sys

    from reports.__main__ import main

    (tmp_path / "index.html").write_text("<html></html>")
    monkeypatch.setitem(sys.modules, "selenium", None)  # `import selenium` now fails
    assert main(["check", "--site", str(tmp_path)]) == 2
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0 and "selenium" in error and "pip install" in error
