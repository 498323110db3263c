"""Check a built report site in headless Chromium: charts drawn, no errors, nothing leaves the disk.

Why a real browser: the report pages are static HTML whose charts are drawn by JavaScript
(vega-embed, from the site's `assets/vega.js`) on the reader's machine. A page can be valid HTML
and still show empty boxes (a broken spec, a JavaScript error), quietly fetch something from the
internet (a CDN script or font the builder should have inlined, which also leaks that someone
opened the report) or run injected script (an unescaped label turning into XSS). Only a browser
that actually runs the page sees those, so this module opens every page from disk (``file://``)
in one headless Chromium session with the network switched off and records, per page:

* how many ``.chart`` elements there are and how many vega-embed filled with an svg/canvas
  (the builder writes ``<p class="no-data">`` instead of an empty chart, so every chart must draw);
* console messages at SEVERE level, which include uncaught exceptions and failed loads;
* every request whose URL scheme is not local (``file:``, ``data:``, ``blob:``, ``about:``), read
  from Chrome's performance log, so a request is reported even though the offline network made
  it fail;
* the text of every alert/confirm/prompt, the classic sign that injected script ran.

``check_site`` returns one ``PageResult`` per page and ``format_report`` turns them into the
summary printed by ``python -m reports check``. Nothing is downloaded at run time: the Chromium
binary and chromedriver are found on disk (``find_chromium``) and handed to Selenium explicitly,
so Selenium Manager never runs.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from spotify_warehouse.progress import Progress
from spotify_warehouse.text import first_line

#: URL schemes a page may load from. Anything else (http, https, ws, ftp, chrome-error, ...)
#: is an external request, or with ``chrome-error`` a load that failed, and fails the page.
ALLOWED_SCHEMES = frozenset({"file", "data", "blob", "about"})

#: Pages screenshotted by default: the ones a reviewer looks at first.
DEFAULT_SCREENSHOT_PAGES = ("index.html", "genres.html", "trends.html", "try.html")

#: Pages with a second state worth a screenshot: its file name and the script that reaches
#: it, run after the page's first screenshot (and before its logs are read, so anything it
#: breaks fails the page). try.html loads the first track of its search list, as a reader
#: choosing it in the search box does; the script returns what it loaded.
SECOND_STATES: dict[str, tuple[str, str]] = {
    "try.html": (
        "try-track.png",
        """
        const search = document.getElementById("track-search");
        const option = document.querySelector("#track-options option");
        if (!search || !option) return null;
        search.value = option.value;
        search.dispatchEvent(new Event("change", {bubbles: true}));
        return option.value;
        """,
    ),
}

#: Chromium flags. Headless without a sandbox (CI containers run as root, where the sandbox
#: refuses to start) and without GPU; everything that phones home on its own (background
#: networking, component updates, sync, QUIC probing) is off so the performance log only holds
#: what the page itself requested; /dev/shm is often tiny in containers.
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
)
WINDOW_SIZE = (1400, 1000)

#: Chrome refuses to paint a single screenshot much taller than this; longer pages are cut.
MAX_SCREENSHOT_HEIGHT = 16_000

#: How often to look at the charts while waiting for vega-embed (it renders asynchronously).
_POLL_SECONDS = 0.05

#: A page that hangs the browser (an endless loop) is failed after these many seconds, and the
#: next page gets a fresh browser. Far above the ~0.3 s a real page takes.
_PAGE_LOAD_TIMEOUT = 60.0
_SCRIPT_TIMEOUT = 30.0

#: A page that keeps opening real dialogs is given up on after this many.
_MAX_REAL_DIALOGS = 50

_INSTALL_HINT = (
    "The report checker needs Chromium and a matching chromedriver. On Debian/Ubuntu install "
    "the packages `chromium chromium-driver` (sudo apt-get install chromium chromium-driver), "
    "or point the CHROMIUM_BINARY and CHROMEDRIVER environment variables at existing files."
)

#: Runs in every document before any page script (CDP Page.addScriptToEvaluateOnNewDocument).
#: alert/confirm/prompt are replaced by recorders, so an injected ``alert(1)`` is recorded in
#: ``window.__dialogs`` instead of blocking the page; confirm answers "cancel", prompt answers
#: nothing. Uncaught errors and unhandled promise rejections are also kept in
#: ``window.__pageErrors``, a second witness next to the console log. Dialogs the guard cannot
#: reach (a cross-origin frame, a frame whose guard did not run) still open for real and are
#: caught from the performance log and from Selenium's unexpected-alert error.
_GUARD_SCRIPT = r"""
(() => {
  let sink;
  if (window === window.top) {
    const keep = (name, value) =>
      Object.defineProperty(window, name, { value, writable: false, configurable: false });
    sink = [];
    keep("__dialogs", sink);
    keep("__pageErrors", []);
  } else {
    // A same-origin frame (e.g. a script-made about:blank iframe) reports to the top page.
    // A cross-origin frame cannot; it keeps the real dialogs, caught another way.
    try {
      sink = window.top.__dialogs;
    } catch (error) {
      sink = undefined;
    }
    if (!Array.isArray(sink)) return;
  }
  const recorder = (answer) =>
    function (message) {
      sink.push(message === undefined ? "" : String(message));
      return answer;
    };
  window.alert = recorder(undefined);
  window.confirm = recorder(false);
  window.prompt = recorder(null);
  if (window !== window.top) return; // the console log reports errors of every frame
  const errors = window.__pageErrors;
  window.addEventListener(
    "error",
    (event) => {
      // Resource load failures also fire "error" (not an ErrorEvent); the console logs those.
      if (event instanceof ErrorEvent) errors.push(String(event.message || event.error));
    },
    true,
  );
  window.addEventListener("unhandledrejection", (event) => {
    errors.push(String(event.reason));
  });
})();
"""

#: Chart census. vega-embed's optional actions menu puts an svg icon inside a <details>; that
#: icon is not a chart, so only svg/canvas elements outside <details> count as a drawn chart.
_CHART_SCRIPT = r"""
const charts = Array.from(document.querySelectorAll(".chart"));
const drawn = charts.filter((chart) =>
  Array.from(chart.querySelectorAll("svg, canvas")).some((el) => !el.closest("details")),
);
return [charts.length, drawn.length];
"""

#: Lets already queued work (promise callbacks, a frame, zero-delay timers) run before the
#: page's logs are read, so errors thrown right after the charts appear are not missed.
_SETTLE_SCRIPT = r"""
const done = arguments[arguments.length - 1];
let finished = false;
const finish = () => {
  if (!finished) {
    finished = true;
    setTimeout(done, 0);
  }
};
requestAnimationFrame(finish);
setTimeout(finish, 100); // if frames are throttled, do not wait for the script timeout
"""

_STATE_SCRIPT = r"""
return [
  Array.from(window.__dialogs || []),
  Array.from(window.__pageErrors || []),
];
"""


class BrowserUnavailableError(RuntimeError):
    """Chromium or chromedriver is missing or will not start; the message says how to fix it."""


@dataclass(frozen=True)
class PageResult:
    """What one page did in the browser. ``ok`` is the verdict; the fields say why."""

    page: str  # path relative to the site folder, posix style
    chart_count: int  # number of .chart elements
    rendered_chart_count: int  # .chart elements that contain an svg or canvas
    console_errors: tuple[str, ...]  # SEVERE console messages, uncaught JS errors
    external_requests: tuple[str, ...]  # every requested URL whose scheme is not allowed
    alerts: tuple[str, ...]  # text of every alert/confirm/prompt the page opened (XSS sign)
    screenshot: Path | None = None

    @property
    def ok(self) -> bool:
        """All charts drawn, no console errors, no external requests, no dialogs."""
        return not self.problems

    @property
    def problems(self) -> tuple[str, ...]:
        """One short human-readable phrase per kind of failure (empty when the page is ok)."""
        found: list[str] = []
        if self.rendered_chart_count < self.chart_count:
            found.append(f"{self.rendered_chart_count}/{self.chart_count} charts rendered")
        if self.console_errors:
            found.append(_listing("console error", self.console_errors))
        if self.external_requests:
            found.append(_listing("external request", self.external_requests))
        if self.alerts:
            found.append(_listing("dialog", self.alerts))
        return tuple(found)


def _listing(noun: str, items: Sequence[str], shown: int = 3, width: int = 160) -> str:
    """'2 console errors: "a"; "b"' with long items cut, so one page stays one readable line."""
    count = len(items)
    texts = [_shorten(" ".join(item.split()), width) for item in items[:shown]]
    more = f"; ... {count - shown} more" if count > shown else ""
    quoted = "; ".join(json.dumps(text, ensure_ascii=False) for text in texts)
    return f"{_count(count, noun)}: {quoted}{more}"


def _count(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def require_selenium() -> None:
    """Fail in one line, naming the package, when Selenium (a dev dependency) is missing:
    the check drives Chromium through it, and a bare ModuleNotFoundError says nothing of how
    to get it."""
    try:
        import selenium  # noqa: F401
    except ModuleNotFoundError as error:
        raise BrowserUnavailableError(
            "the report checker needs the Python package selenium, which is not installed: "
            "install the dev extras (`pip install -c requirements.lock -e '.[dev]'`, what "
            "`make setup` runs) or `pip install selenium`."
        ) from error


def find_chromium() -> tuple[Path, Path]:
    """Return (Chromium binary, chromedriver), found on disk, never downloaded.

    ``CHROMIUM_BINARY`` and ``CHROMEDRIVER`` override the search; when one is set it must point
    at an executable file (a typo should fail loudly, not silently fall back to another
    browser). Otherwise ``chromium`` / ``chromium-browser`` and ``chromedriver`` are looked up
    on PATH, which is where Debian's ``chromium`` and ``chromium-driver`` packages put them.
    Raises BrowserUnavailableError naming the packages to install.
    """
    binary = _locate("CHROMIUM_BINARY", ("chromium", "chromium-browser"), "Chromium")
    driver = _locate("CHROMEDRIVER", ("chromedriver",), "chromedriver")
    return binary, driver


def _locate(variable: str, names: Sequence[str], what: str) -> Path:
    override = os.environ.get(variable, "").strip()
    if override:
        path = Path(override).expanduser()
        if not path.is_file():
            raise BrowserUnavailableError(f"{variable}={override} does not exist. {_INSTALL_HINT}")
        if not os.access(path, os.X_OK):
            raise BrowserUnavailableError(
                f"{variable}={override} is not executable. {_INSTALL_HINT}"
            )
        return path
    for name in names:
        found = shutil.which(name)
        if found:
            return Path(found)
    raise BrowserUnavailableError(
        f"{what} not found on PATH (looked for {', '.join(names)}). {_INSTALL_HINT}"
    )


def check_site(
    site_dir: Path,
    pages: Iterable[str] | None = None,
    screenshot_pages: Iterable[str] = DEFAULT_SCREENSHOT_PAGES,
    screenshot_dir: Path | None = None,
    render_timeout: float = 20.0,
    show_progress: bool = False,
) -> list[PageResult]:
    """Open pages of a built site in one headless Chromium session and report what they did.

    ``pages`` are paths relative to ``site_dir``; None means every ``*.html`` under it, sorted.
    Explicitly listed pages that do not exist raise FileNotFoundError before the browser starts
    (asking to check a page that was never built is a caller error, not a page result).
    Pages listed in ``screenshot_pages`` (and checked) are saved as full-page PNGs named after
    the page, e.g. ``index.html`` -> ``<screenshot_dir>/index.png`` (drill-down pages keep their
    sub-folders); ``screenshot_dir`` defaults to ``site_dir / "screenshots"``. A page whose
    charts are not all drawn after ``render_timeout`` seconds is reported as such, not waited on.
    ``show_progress`` writes a line to stderr every few seconds (pages done, time left).
    Raises BrowserUnavailableError when Chromium cannot be found or started.
    """
    site = Path(site_dir).resolve()
    if not site.is_dir():
        raise FileNotFoundError(f"site folder {site} does not exist")
    page_list = _resolve_pages(site, pages)
    if not page_list:
        return []
    wanted_shots = {_normalise(page) for page in screenshot_pages}
    shots_dir = Path(screenshot_dir) if screenshot_dir is not None else site / "screenshots"

    results = []
    progress = Progress("browser check", len(page_list), unit="pages", interval=5.0)
    with _Browser() as browser:
        for page in page_list:
            shot = shots_dir / Path(page).with_suffix(".png") if page in wanted_shots else None
            second = None
            if shot is not None and page in SECOND_STATES:
                name, script = SECOND_STATES[page]
                second = (shots_dir / Path(page).parent / name, script)
            results.append(browser.check_page(site, page, shot, render_timeout, second))
            if show_progress:
                progress.advance(page)
    return results


def _normalise(page: str | os.PathLike[str]) -> str:
    return Path(page).as_posix().removeprefix("./")


def _resolve_pages(site: Path, pages: Iterable[str] | None) -> list[str]:
    if pages is None:
        return sorted(path.relative_to(site).as_posix() for path in site.rglob("*.html"))
    page_list = [_normalise(page) for page in pages]
    missing = []
    for page in page_list:
        path = (site / page).resolve()
        if not path.is_relative_to(site):
            raise ValueError(f"page {page!r} is outside the site folder {site}")
        if not path.is_file():
            missing.append(page)
    if missing:
        raise FileNotFoundError(f"pages not found in {site}: {', '.join(missing)}")
    return page_list


class _Browser:
    """One Chromium session for every page: starting Chromium costs ~1 s, a ~1 MB page ~0.3 s.

    If the session breaks on a page (renderer crash, hang), that page is failed with the error
    and the next page gets a fresh session.
    """

    def __init__(self) -> None:
        require_selenium()
        self._binary, self._chromedriver = find_chromium()
        self._driver: Any = None
        self._profile: tempfile.TemporaryDirectory[str] | None = None

    def __enter__(self) -> _Browser:
        self._start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop()

    def _start(self) -> None:
        from selenium import webdriver
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.chrome.service import Service

        # A fresh profile per session: no cached state, no first-run or sync surprises.
        self._profile = tempfile.TemporaryDirectory(
            prefix="reports-chromium-", ignore_cleanup_errors=True
        )
        options = webdriver.ChromeOptions()
        options.binary_location = str(self._binary)
        for flag in CHROMIUM_FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={self._profile.name}")
        options.add_argument(f"--window-size={WINDOW_SIZE[0]},{WINDOW_SIZE[1]}")
        # The performance log carries every Network.requestWillBeSent (even for requests that
        # then fail offline) and Page.javascriptDialogOpening; the browser log is the console.
        options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
        # A real dialog is dismissed by the next command, which raises with its text.
        options.unhandled_prompt_behavior = "dismiss and notify"
        # An explicit chromedriver path is what keeps Selenium Manager (a downloader) from running.
        service = Service(executable_path=str(self._chromedriver), log_output=subprocess.DEVNULL)
        try:
            driver = webdriver.Chrome(service=service, options=options)
        except WebDriverException as error:
            self._profile.cleanup()
            raise BrowserUnavailableError(
                f"could not start {self._binary} with {self._chromedriver}: "
                f"{first_line(error)}. {_INSTALL_HINT}"
            ) from error
        self._driver = driver
        try:
            driver.set_page_load_timeout(_PAGE_LOAD_TIMEOUT)
            driver.set_script_timeout(_SCRIPT_TIMEOUT)
            driver.execute_cdp_cmd("Network.enable", {})
            # Offline: nothing leaves the machine, and an external request fails at once instead
            # of waiting on a timeout. It is still logged as requestWillBeSent, so still reported.
            driver.execute_cdp_cmd(
                "Network.emulateNetworkConditions",
                {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
            )
            driver.execute_cdp_cmd(
                "Page.addScriptToEvaluateOnNewDocument", {"source": _GUARD_SCRIPT}
            )
            # The first tab starts on Chromium's new-tab page, which loads chrome:// resources
            # and tries a DNS lookup; leave it and throw those log entries away.
            driver.get("about:blank")
            driver.get_log("performance")
            driver.get_log("browser")
        except WebDriverException as error:
            self._stop()
            raise BrowserUnavailableError(
                f"Chromium started but could not be set up: {first_line(error)}"
            ) from error

    def _stop(self) -> None:
        if self._driver is not None:
            with suppress(Exception):
                self._driver.quit()
            self._driver = None
        if self._profile is not None:
            self._profile.cleanup()
            self._profile = None

    def check_page(
        self,
        site: Path,
        page: str,
        screenshot: Path | None,
        render_timeout: float,
        second: tuple[Path, str] | None = None,
    ) -> PageResult:
        """Load one page, wait for its charts, collect everything; never raises for the page.
        `second`: a screenshot to take after running a script on the page (SECOND_STATES)."""
        from selenium.common.exceptions import WebDriverException

        probe = _PageProbe(self._driver)
        try:
            probe.run((site / page).as_uri(), screenshot, render_timeout, second)
        except WebDriverException as error:
            # The page broke the session (crash, hang): fail it and start over for the next one.
            probe.errors.append(f"browser session failed on this page: {first_line(error)}")
            probe.screenshot = None
            self._stop()
            self._start()
        return probe.result(page)


class _PageProbe:
    """The measurements of one page, filled in as the page is driven."""

    def __init__(self, driver: Any) -> None:
        self.driver = driver
        self.chart_count = 0
        self.rendered = 0
        self.errors: list[str] = []
        self.external: list[str] = []
        self.guard_dialogs: list[str] = []
        self.real_dialogs: list[str] = []  # from Selenium's unexpected-alert errors
        self.logged_dialogs: list[str] = []  # from Page.javascriptDialogOpening
        self.screenshot: Path | None = None
        self.second_screenshot: Path | None = None

    def run(
        self,
        url: str,
        screenshot: Path | None,
        render_timeout: float,
        second: tuple[Path, str] | None = None,
    ) -> None:
        from selenium.common.exceptions import TimeoutException

        try:
            self._call(self.driver.get, url)
        except TimeoutException:
            self.errors.append("page did not finish loading within the page-load timeout")
        self._wait_for_charts(render_timeout)
        self._call(self.driver.execute_async_script, _SETTLE_SCRIPT)
        self.chart_count, self.rendered = self._call(self.driver.execute_script, _CHART_SCRIPT)
        self.guard_dialogs, page_errors = self._call(self.driver.execute_script, _STATE_SCRIPT)
        if screenshot is not None:
            self.screenshot = self._save_screenshot(screenshot)
        if second is not None:
            target, script = second
            if self._call(self.driver.execute_script, script) is None:
                self.errors.append(f"could not reach the state of {target.name}")
            else:
                self._call(self.driver.execute_async_script, _SETTLE_SCRIPT)
                self.second_screenshot = self._save_screenshot(target)
        # Leave the page before reading the logs: its timers stop, so everything it logged is
        # in the logs now and nothing it does later lands on the next page's result.
        self._call(self.driver.get, "about:blank")
        self._read_performance_log()
        # Nothing is filtered out: Chromium asks for no favicon on file:// pages (checked on
        # Chromium 156 headless: no favicon request in the performance log, no console line),
        # and its own start-up traffic was drained in _start, so every SEVERE line is the page's.
        console = [
            str(entry.get("message", ""))
            for entry in self._call(self.driver.get_log, "browser")
            if entry.get("level") == "SEVERE"
        ]
        self.errors.extend(console)
        # The console already reports uncaught errors ("... Uncaught Error: boom"); the guard's
        # copy only adds ones the console log somehow missed.
        for text in page_errors:
            if not any(text in line for line in console):
                self.errors.append(f"uncaught (seen by page guard): {text}")

    def _call(self, function: Any, *args: Any) -> Any:
        """Run a WebDriver command; if a real dialog is in the way, record it and retry."""
        from selenium.common.exceptions import UnexpectedAlertPresentException

        for _ in range(_MAX_REAL_DIALOGS):
            try:
                return function(*args)
            except UnexpectedAlertPresentException as error:
                # "dismiss and notify" has already closed the dialog; keep its text.
                self.real_dialogs.append(error.alert_text or "")
        raise UnexpectedAlertPresentException(f"page opened more than {_MAX_REAL_DIALOGS} dialogs")

    def _wait_for_charts(self, render_timeout: float) -> None:
        deadline = time.monotonic() + render_timeout
        while True:
            # Kept as we go, so a page that hangs later still reports its charts.
            self.chart_count, self.rendered = self._call(self.driver.execute_script, _CHART_SCRIPT)
            if self.rendered >= self.chart_count or time.monotonic() >= deadline:
                return
            time.sleep(_POLL_SECONDS)

    def _save_screenshot(self, target: Path) -> Path:
        """Full-page PNG through CDP (beyond the 1400x1000 window); window-only as a fallback."""
        from selenium.common.exceptions import WebDriverException

        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            metrics = self.driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
            size = metrics.get("cssContentSize") or metrics["contentSize"]
            clip = {
                "x": 0,
                "y": 0,
                "width": max(float(size["width"]), WINDOW_SIZE[0]),
                "height": min(max(float(size["height"]), WINDOW_SIZE[1]), MAX_SCREENSHOT_HEIGHT),
                "scale": 1,
            }
            shot = self.driver.execute_cdp_cmd(
                "Page.captureScreenshot",
                {"format": "png", "captureBeyondViewport": True, "clip": clip},
            )
            target.write_bytes(base64.b64decode(shot["data"]))
        except (WebDriverException, KeyError, TypeError, ValueError):
            target.write_bytes(self._call(self.driver.get_screenshot_as_png))
        return target

    def _read_performance_log(self) -> None:
        for entry in self._call(self.driver.get_log, "performance"):
            try:
                message = json.loads(entry["message"])["message"]
                method, params = message["method"], message.get("params", {})
            except (KeyError, TypeError, ValueError):
                continue
            urls: list[str] = []
            if method == "Network.requestWillBeSent":
                urls = [params.get("request", {}).get("url", ""), params.get("documentURL", "")]
            elif method == "Network.webSocketCreated":
                urls = [params.get("url", "")]  # WebSockets never show up as requests
            elif method == "Page.frameNavigated":
                urls = [params.get("frame", {}).get("url", "")]  # chrome-error:// = failed load
            elif method == "Page.javascriptDialogOpening":
                self.logged_dialogs.append(str(params.get("message", "")))
            for url in urls:
                if url and not _allowed(url) and url not in self.external:
                    self.external.append(url)

    def result(self, page: str) -> PageResult:
        # A real dialog shows up both in the performance log and as Selenium's error (either can
        # miss one: the log if it is disabled, the error if the dialog closed by itself). Count
        # each text as often as the more complete witness saw it.
        real = Counter(self.logged_dialogs) | Counter(self.real_dialogs)
        alerts = [*self.guard_dialogs, *real.elements()]
        return PageResult(
            page=page,
            chart_count=int(self.chart_count),
            rendered_chart_count=int(self.rendered),
            console_errors=tuple(dict.fromkeys(self.errors)),  # a loop logging 1000x is one line
            external_requests=tuple(self.external),
            alerts=tuple(alerts),
            screenshot=self.screenshot,
        )


def _allowed(url: str) -> bool:
    return urlsplit(url).scheme.lower() in ALLOWED_SCHEMES


def format_report(results: list[PageResult]) -> str:
    """Summary for people: one line per failing page saying what failed, then a total line."""
    lines = [
        f"FAIL {result.page}: {'; '.join(result.problems)}" for result in results if not result.ok
    ]
    if not results:
        lines.append("no pages checked")
        return "\n".join(lines)
    charts = sum(result.chart_count for result in results)
    rendered = sum(result.rendered_chart_count for result in results)
    shots = sum(1 for result in results if result.screenshot is not None)
    verdict = f"{len(lines)} failed" if lines else "all ok"
    lines.append(
        f"{_count(len(results), 'page')} checked, {verdict}; {rendered}/{charts} charts "
        f"rendered; {_count(shots, 'screenshot')}"
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """CLI: check a built site, print the report; exit 0 when every page is ok.

    Exit codes: 0 all pages ok, 1 some page failed (or no page found), 2 the browser or the
    site is unavailable.
    """
    parser = argparse.ArgumentParser(
        prog="python -m reports check",
        description="Open every page of a built report site in headless Chromium (offline) and "
        "check that charts render with no console errors, external requests or dialogs.",
    )
    parser.add_argument("site_dir", type=Path, help="folder the report site was built into")
    parser.add_argument(
        "--page",
        action="append",
        dest="pages",
        metavar="PAGE",
        help="page to check, relative to site_dir (repeatable; default: every *.html)",
    )
    parser.add_argument(
        "--screenshot-dir",
        type=Path,
        default=None,
        help="where screenshots go (default: SITE_DIR/screenshots)",
    )
    parser.add_argument("--no-screenshots", action="store_true", help="do not save any screenshot")
    parser.add_argument(
        "--render-timeout",
        type=float,
        default=20.0,
        help="seconds to wait for a page's charts to render (default: 20)",
    )
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        results = check_site(
            args.site_dir,
            pages=args.pages,
            screenshot_pages=() if args.no_screenshots else DEFAULT_SCREENSHOT_PAGES,
            screenshot_dir=args.screenshot_dir,
            render_timeout=args.render_timeout,
            show_progress=True,
        )
    except (BrowserUnavailableError, FileNotFoundError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(format_report(results))
    print(f"checked in {time.perf_counter() - start:.1f} s")
    return 0 if results and all(result.ok for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
