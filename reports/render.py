"""Turning page data into HTML: the Jinja2 environment, number formats and chart embedding.

Pages open from disk with no network. The Vega JavaScript (vl-convert's bundled copy, the one
Altair's `save(inline=True)` uses; about 0.9 MB) is written once into the site as
`assets/vega.js` (`VEGA_ASSET`), and every page with charts loads it by a relative path: a
classic script loads from `file://` where a module or a fetch would not. Inlining it made
every page carry its own copy (136 MB for 153 pages). The page's CSS and its small table
script (a few KB) are inlined. Templates autoescape everything; the only raw HTML
is what this module builds, and chart specs are JSON with `<`, `>` and `&` escaped so no
track name can close the script element it sits in.
"""

from __future__ import annotations

import functools
import json
import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import altair as alt
import jinja2
import numpy as np
import pandas as pd
from markupsafe import Markup

from reports.queries import QueryRun

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATE_DIR = PACKAGE_DIR / "templates"
STATIC_DIR = PACKAGE_DIR / "static"

#: Vega-Embed options: SVG output (crisp, testable), and only the export menu; the editor
#: and source links would point to vega.github.io, which a page must never load.
EMBED_OPTIONS = {
    "renderer": "svg",
    "actions": {"export": True, "source": False, "compiled": False, "editor": False},
}


#: Where the site keeps the Vega JavaScript, relative to its root.
VEGA_ASSET = "assets/vega.js"

#: What a table cell shows for a missing value (an en dash).
MISSING = "\u2013"


@dataclass(frozen=True)
class ChartSpec:
    """A chart ready to embed: its name on the page and its Vega-Lite spec."""

    name: str
    spec: dict[str, Any]


@dataclass(frozen=True)
class NoData:
    """Why a chart or table has nothing to show (an empty result, or a missing table)."""

    reason: str


@dataclass
class Page:
    """One output file: where it goes, its template, what it shows and what it ran."""

    path: str
    template: str
    title: str
    context: dict[str, Any] = field(default_factory=dict)
    charts: dict[str, ChartSpec | NoData] = field(default_factory=dict)
    queries: list[QueryRun] = field(default_factory=list)

    @property
    def root(self) -> str:
        """Relative prefix from this page back to the site root ("" or "../../")."""
        return "../" * self.path.count("/")


def to_spec(name: str, chart: alt.TopLevelMixin, validate: bool = False) -> ChartSpec:
    """Altair chart -> Vega-Lite dict. Validation is for tests; a build skips its cost."""
    return ChartSpec(name, chart.to_dict(validate=validate))


def script_json(value: Any) -> Markup:
    """JSON safe to place inside <script>: no `</script>`, `<!--` or `&` can survive."""
    text = json.dumps(value, separators=(",", ":"), allow_nan=False, default=_json_default)
    for character, escaped in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(character, escaped)
    return Markup(text)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date | pd.Timestamp):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"cannot serialise {type(value).__name__} to JSON")


def slugify(text: str) -> str:
    """A file-name-safe slug: `r&b` -> `r-b`, `Hip Hop` -> `hip-hop`."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug or "genre"


def is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def format_value(value: Any, kind: str = "text") -> str:
    """Reader-facing formats: `int` 116,128 · `num1` 47.3 · `num3` 0.853 · `pct` 85.3%."""
    if is_missing(value):
        return MISSING
    formats = {
        "int": lambda v: f"{round(v):,}",
        "num1": lambda v: f"{v:,.1f}",
        "num2": lambda v: f"{v:,.2f}",
        "num3": lambda v: f"{v:,.3f}",
        "signed": lambda v: f"{v:+,.3f}",
        "pct": lambda v: f"{v:.1%}",
        "year": lambda v: f"{int(v)}",
    }
    if isinstance(value, list | tuple | np.ndarray):
        return ", ".join(str(item) for item in value)
    formatter = formats.get(kind)
    if formatter is None:
        return str(value)
    text = formatter(float(value))
    # -0.00 (or +0.000) reads like a finding; a value that rounds to zero is shown as zero.
    if text[:1] in "+-" and not any(digit in text for digit in "123456789"):
        return text[1:]
    return text


def sort_key(value: Any) -> str:
    """The value the table script sorts by: numbers as numbers, text lower-cased."""
    if is_missing(value):
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int | float):
        return repr(float(value))
    return str(value).lower()


@functools.cache
def vega_bundle() -> str:
    """Vega, Vega-Lite and Vega-Embed in one script, from vl-convert's offline copy."""
    import vl_convert

    # The Vega-Lite version Altair writes specs for, as vl-convert names it ("v6_4").
    vl_version = "_".join(alt.SCHEMA_VERSION.split(".")[:2])
    return vl_convert.javascript_bundle(vl_version=vl_version)


def vega_asset() -> str:
    """The text of `assets/vega.js`: the bundle under a header saying what it is."""
    return (
        f"/* Vega, Vega-Lite and Vega-Embed for Vega-Lite {alt.SCHEMA_VERSION}, from vl-convert's "
        "offline bundle: loaded by every report page with charts (spotify-warehouse). */\n"
        + vega_bundle()
    )


@functools.cache
def static_text(name: str) -> str:
    return (STATIC_DIR / name).read_text(encoding="utf-8")


def environment() -> jinja2.Environment:
    """Jinja2 with autoescape on for every template (they are all HTML)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["fmt"] = format_value
    env.filters["sort_key"] = sort_key
    env.filters["script_json"] = script_json
    env.filters["slug"] = slugify
    return env


def render_page(
    env: jinja2.Environment, page: Page, nav: list[tuple[str, str]], build_info: dict[str, Any]
) -> str:
    """The page's HTML, with its charts, the inlined scripts and its query log."""
    specs = {
        name: chart.spec for name, chart in page.charts.items() if isinstance(chart, ChartSpec)
    }

    def chart(name: str) -> Markup:
        entry = page.charts.get(name)
        if isinstance(entry, ChartSpec):
            return Markup('<div class="chart" id="chart-{0}" data-chart="{0}"></div>').format(name)
        reason = entry.reason if isinstance(entry, NoData) else "this chart was not built"
        return Markup('<p class="no-data">No data: {}</p>').format(reason)

    template = env.get_template(page.template)
    return template.render(
        page=page,
        root=page.root,
        nav=nav,
        build=build_info,
        chart=chart,
        chart_specs=specs,
        embed_options=EMBED_OPTIONS,
        vega_src=page.root + VEGA_ASSET if specs else "",
        site_css=Markup(static_text("site.css")),
        site_js=Markup(static_text("site.js")),
        **page.context,
    )
