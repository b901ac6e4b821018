"""Published figures next to the ones recomputed from the rows, with both denominators.

A study prints "Facebook: 21 OPDs (75 %)"; recomputed from its own table that is 21 of 27 = 77.8 %.
Neither number is wrong on its own: the published percentage was computed on 28 organisations.
This module makes that visible. A *published file* (YAML, docs/sheets.md) lists what a study
printed, each figure with the key of the matching value in ``govlens.assess.summarize``'s output:

    published:
      source: "Study of 2023 ..."
      figures:
        - {key: platforms.facebook.declared, label: Facebook, count: 21, pct: 75}
        - {key: websites, label: Organisations with a website, pct: 100}

and :func:`compare_published` gives one row per figure: what was printed, which denominators the
printed percentage is consistent with (at the precision it was printed: 75 % of 21 means 28), what
the rows give, and a note when the two do not agree. Keys are dotted paths into the summary; a
path step into a list picks the element whose ``id``, ``code`` or ``platform`` is that step
(``criteria.E5.fulfilment``, ``models.broadcasting.mean_pct``).
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml


class PublishedError(ValueError):
    pass


@dataclass
class PublishedRow:
    key: str
    label: str
    published_count: int | None
    published_pct: float | None
    published_of: int | None  # a denominator the study states, if any
    implied_of: list[int]  # denominators consistent with the printed count and percentage
    count: int | None  # recomputed
    of: int | None
    pct: float | None
    diff_pct: float | None  # recomputed - published, percentage points
    agrees: bool | None  # the recomputed figure, printed as the study printed it, is the same
    note: str


def load_published(path: str | Path) -> dict[str, Any]:
    """Read a published-figures file; raises PublishedError naming the file and the figure."""
    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise PublishedError(f"{p}: {e}") from e
    pub = (data or {}).get("published") if isinstance(data, dict) else None
    if not isinstance(pub, dict) or not isinstance(pub.get("figures"), list):
        raise PublishedError(f"{p}: expected 'published:' with a 'figures:' list")
    problems = []
    for i, f in enumerate(pub["figures"], 1):
        if not isinstance(f, dict) or not f.get("key"):
            problems.append(f"figure #{i}: needs a 'key' (a path into the summary, e.g. websites)")
        elif f.get("pct") is None and f.get("count") is None and f.get("value") is None:
            problems.append(f"figure #{i} ({f['key']}): needs 'pct', 'count' or 'value'")
    if problems:
        raise PublishedError(f"{p}: " + "; ".join(problems))
    return pub


def resolve(summary: dict[str, Any], key: str) -> Any:
    """The summary value at a dotted key, or None."""
    node: Any = summary
    for step in key.split("."):
        if isinstance(node, dict):
            node = node.get(step)
        elif isinstance(node, list):
            node = next((x for x in node if isinstance(x, dict)
                         and step in (str(x.get("id")), str(x.get("code")), str(x.get("platform")))), None)
        else:
            return None
        if node is None:
            return None
    return node


def _decimals(value: Any) -> int:
    text = str(value)
    return len(text.split(".", 1)[1].rstrip("0")) if "." in text else 0


def _rounds_to(x: float, printed: float, decimals: int) -> bool:
    """Would ``x`` (a percentage) be printed as ``printed`` at that many decimals? Half-up or
    half-even: either convention a study may have used."""
    half = 0.5 * 10 ** -decimals
    return printed - half - 1e-9 <= x <= printed + half + 1e-9


def implied_denominators(count: int, pct: float, decimals: int, limit: int = 100_000) -> list[int]:
    """Every N for which count/N, printed at ``decimals``, gives ``pct``."""
    if pct <= 0 or count <= 0:
        return []
    half = 0.5 * 10 ** -decimals
    lo = max(count, math.floor(100 * count / (pct + half)))
    hi = min(limit, math.ceil(100 * count / max(pct - half, 1e-9)))
    return [n for n in range(lo, hi + 1) if _rounds_to(100 * count / n, pct, decimals)]


def _span(ns: list[int]) -> str:
    if not ns:
        return "none"
    return str(ns[0]) if len(ns) == 1 else f"{ns[0]}–{ns[-1]}" if ns == list(range(ns[0], ns[-1] + 1)) else ", ".join(map(str, ns))


def compare_published(summary: dict[str, Any], published: dict[str, Any]) -> list[PublishedRow]:
    rows = []
    for f in published.get("figures") or []:
        key, label = str(f["key"]), str(f.get("label") or f["key"])
        p_count = f.get("count")
        p_pct = f.get("pct", f.get("value"))
        p_of = f.get("of")
        dec = _decimals(p_pct) if p_pct is not None else 0
        implied = (
            [int(p_of)] if p_of else implied_denominators(int(p_count), float(p_pct), dec)
            if p_count is not None and p_pct is not None else []
        )
        got = resolve(summary, key)
        count = of = None
        pct: float | None = None
        if isinstance(got, dict) and "count" in got and got.get("of"):
            count, of = got.get("count"), got.get("of")
            pct = round(100 * count / of, 1)
        elif isinstance(got, int | float) and not isinstance(got, bool):
            pct = float(got)
        notes = []
        agrees: bool | None = None
        diff = None
        if pct is None and count is None:
            notes.append("not recomputed: the audit has no value for this figure (nothing assessed or coded for it)")
        else:
            if p_pct is not None and pct is not None:
                diff = round(pct - float(p_pct), 1)
                agrees = _rounds_to(pct, float(p_pct), dec)
            if p_count is not None and count is not None and int(p_count) != count:
                agrees = False
                notes.append(f"count differs: published {p_count}, recomputed {count}")
            if of is not None and implied and of not in implied:
                notes.append(f"the published {_fmt(p_pct)}% of {p_count} implies {_span(implied)} as denominator; "
                             f"recomputed on {of}")
            elif of is not None and p_count is None and p_pct is not None and not agrees:
                notes.append(f"published {_fmt(p_pct)}%, recomputed {count}/{of} = {pct:.1f}%")
        rows.append(PublishedRow(
            key=key, label=label, published_count=p_count, published_pct=p_pct, published_of=p_of,
            implied_of=implied, count=count, of=of, pct=pct, diff_pct=diff, agrees=agrees,
            note="; ".join(notes),
        ))
    return rows


def _fmt(x: Any) -> str:
    if x is None:
        return ""
    x = float(x)
    return f"{x:.0f}" if x.is_integer() else f"{x:.1f}"


def cells(r: PublishedRow) -> list[str]:
    """One row as text: figure, published, implied N, recomputed, difference, agrees, note."""
    pub = " ".join(x for x in (str(r.published_count) if r.published_count is not None else "",
                               f"({_fmt(r.published_pct)}%)" if r.published_pct is not None else "") if x)
    rec = (f"{r.count}/{r.of} ({r.pct:.1f}%)" if r.count is not None and r.of and r.pct is not None
           else f"{r.pct:.1f}%" if r.pct is not None else "—")
    return [
        r.label, pub, _span(r.implied_of) if r.implied_of else "", rec,
        "" if r.diff_pct is None else f"{r.diff_pct:+.1f}",
        "" if r.agrees is None else ("yes" if r.agrees else "no"), r.note,
    ]


HEADER = ["figure", "published", "published % implies N", "recomputed (count/of)", "Δ points", "agrees", "note"]


def render_published(rows: list[PublishedRow], console: Any, source: str = "") -> None:
    from rich.table import Table
    from rich.text import Text

    t = Table(title="Published vs recomputed" + (f" ({source})" if source else ""))
    for i, h in enumerate(HEADER):
        t.add_column(h, justify="right" if 1 <= i <= 5 else "left")
    for r in rows:
        t.add_row(*(Text(c) for c in cells(r)))
    console.print(t)


def write_published(rows: list[PublishedRow], out_dir: str | Path, source: str = "") -> list[Path]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    csv_path = out / "published_vs_recomputed.csv"
    with csv_path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["key", *HEADER])
        for r in rows:
            w.writerow([r.key, *cells(r)])
    json_path = out / "published_vs_recomputed.json"
    json_path.write_text(json.dumps({"source": source, "figures": [asdict(r) for r in rows]}, indent=2,
                                    ensure_ascii=False), encoding="utf-8")
    return [csv_path, json_path]
