"""The report page: one self-contained HTML file (inline CSS, JavaScript and SVG; every text escaped)."""

from __future__ import annotations

import json
from html import escape
from importlib.resources import files

import pandas as pd
from spacy import displacy

from ..annotations import THEMES
from .summaries import (
    most_frequent,
    ordered_documents,
    places_by_province,
    sample_sentences,
    shared_programmes,
    theme_grid,
)
from .svg import Bar, Panel, bar_chart, heatmap
from .tables import Tables

THEME_COLOURS = {"转型": "#3867d6", "生态": "#1e9e5a", "民生": "#e8891c"}
ENTITY_COLOURS = {"PLACE": "#bfe3d0", "PROGRAMME": "#e2d4f7"}
TOP_PER_DOCUMENT = 8
TOP_SHARED = 25
TOP_PLACES_PER_PROVINCE = 10


def _asset(name: str) -> str:
    return files(__package__).joinpath(name).read_text(encoding="utf-8")


def _number(value) -> str:
    return "–" if value is None or pd.isna(value) else f"{int(value):,}"


def _theme_badges(themes: list[str]) -> str:
    return (
        "".join(
            f'<span class="badge" style="background:{THEME_COLOURS.get(t, "#888")}">{escape(t)}</span>'
            for t in themes
        )
        or '<span class="badge none">no theme</span>'
    )


def _notes(notes: list[str]) -> str:
    return "".join(f'<p class="note">{escape(note)}</p>' for note in notes)


def _ranked_list(items: list[tuple[str, int]]) -> str:
    if not items:
        return '<p class="empty">none</p>'
    return (
        "<ol>"
        + "".join(f'<li>{escape(name)} <span class="count">{count}</span></li>' for name, count in items)
        + "</ol>"
    )


def theme_profile(document) -> str:
    sentences = int(document.sentences)
    bars = [
        Bar(
            theme,
            float(getattr(document, f"share_{theme}")),
            f"{getattr(document, f'share_{theme}'):.0%}",
            THEME_COLOURS[theme],
            f"{theme}: {getattr(document, f'share_{theme}'):.1%} of {sentences} sentences tagged, "
            f"mean probability {getattr(document, f'score_{theme}'):.2f}",
        )
        for theme in THEMES
    ]
    return bar_chart(bars, f"Theme profile of {document.title}", maximum=1.0, bar_width=160)


def _document_card(document, programmes: list, places: list) -> str:
    year = "" if pd.isna(document.year) else str(int(document.year))
    where = " · ".join(
        escape(str(v)) for v in (document.place, document.province, year) if v and not pd.isna(v)
    )
    search = " ".join(
        str(v)
        for v in (document.title, document.place, document.province, year, document.source)
        if v is not None and not pd.isna(v)
    )
    return (
        f'<article class="doc" data-search="{escape(search)}">'
        f"<h3>{escape(str(document.title))}</h3>"
        f'<p class="meta">{where or "place unknown"} · {_number(document.sentences)} sentences · '
        f"{_number(document.characters)} characters</p>"
        f'<p class="source">{escape(str(document.source))}</p>'
        f"{theme_profile(document)}"
        f'<div class="lists"><div><h4>Programmes</h4>{_ranked_list(programmes)}</div>'
        f"<div><h4>Places</h4>{_ranked_list(places)}</div></div></article>"
    )


def _run_value(value) -> str:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else str(value)


def _overview(tables: Tables) -> str:
    documents = tables.documents
    sentences = int(documents["sentences"].sum())
    bars = []
    for theme in THEMES:
        share = (
            float((documents[f"share_{theme}"] * documents["sentences"]).sum() / sentences)
            if sentences
            else 0.0
        )
        bars.append(
            Bar(
                theme,
                share,
                f"{share:.0%}",
                THEME_COLOURS[theme],
                f"{theme}: {share:.1%} of all {sentences} sentences",
            )
        )
    labels = tables.entities["label"].value_counts()
    facts = [
        ("documents", len(documents)),
        ("sentences", sentences),
        ("characters", int(documents["characters"].sum())),
        ("places named", int(labels.get("PLACE", 0))),
        ("programmes named", int(labels.get("PROGRAMME", 0))),
        ("documents not read", len(tables.errors)),
    ]
    run = "".join(
        f"<dt>{escape(str(key))}</dt><dd>{escape(_run_value(value))}</dd>"
        for key, value in tables.run.items()
    )
    return (
        '<section id="overview"><h2>Overview</h2><div class="facts">'
        + "".join(f"<div><b>{value:,}</b><span>{escape(name)}</span></div>" for name, value in facts)
        + "</div><h3>Share of sentences per theme, all documents</h3>"
        + bar_chart(bars, "Share of sentences per theme, all documents", maximum=1.0)
        + (
            f'<details><summary>The tagging run (run.json)</summary><dl class="run">{run}</dl></details>'
            if run
            else ""
        )
        + "</section>"
    )


def _themes_by_place(tables: Tables) -> tuple[str, list[str]]:
    grid = theme_grid(tables.documents)
    panels = [Panel(theme, THEME_COLOURS[theme], grid.cells[theme]) for theme in THEMES]
    chart = heatmap(grid.rows, grid.years, panels, f"Theme shares by {grid.grouped_by} and year")
    notes = []
    if grid.grouped_by == "province":
        places = tables.documents["place"].dropna().nunique()
        notes.append(f"{places} places: the heatmap groups documents by province.")
    section = (
        f'<section id="themes"><h2>Theme shares by {grid.grouped_by} and year</h2>'
        f'<p class="hint">Share of the sentences of the documents of each {grid.grouped_by} and year '
        "tagged with the theme; the darker, the higher within the theme. Hover a cell for the counts.</p>"
        f'<div class="scroll">{chart}</div>{_notes(notes)}</section>'
    )
    return section, notes


def _programmes(tables: Tables) -> str:
    shared = shared_programmes(tables.entities, TOP_SHARED)
    if not shared:
        body = '<p class="empty">No programme is named by more than one document.</p>'
    else:
        bars = [
            Bar(
                p.name + (f" ({p.kind})" if p.kind else ""),
                p.documents,
                f"{p.documents} documents · {p.mentions} mentions",
                "#7b5fc7",
                f"{p.name}: named {p.mentions} times in {p.documents} documents",
            )
            for p in shared
        ]
        body = bar_chart(bars, "Programmes named by the most documents")
    return (
        '<section id="programmes"><h2>Programmes shared by many documents</h2>'
        '<p class="hint">Canonical programme names (variants grouped), by the number of documents naming '
        f'them (at least two; top {TOP_SHARED}).</p><div class="scroll">{body}</div></section>'
    )


def _places(tables: Tables) -> str:
    provinces = places_by_province(tables.entities, TOP_PLACES_PER_PROVINCE)
    if not provinces:
        empty = '<p class="empty">No place is named.</p>'
        return f'<section id="places"><h2>Places by province</h2>{empty}</section>'
    bars = [
        Bar(p.province, p.mentions, f"{p.mentions} mentions · {p.documents} documents", "#2a9d8f")
        for p in provinces
    ]
    rows = "".join(
        f"<tr><th>{escape(p.province)}</th><td>{p.mentions:,}</td><td>{p.documents}</td><td>"
        + " ".join(
            f'<span class="chip">{escape(name)} <span class="count">{count}</span></span>'
            for name, count in p.places
        )
        + "</td></tr>"
        for p in provinces
    )
    return (
        '<section id="places"><h2>Places by province</h2>'
        '<p class="hint">PLACE mentions grouped by the province the place lies in (linked places by their '
        "official name).</p>"
        f'<div class="scroll">{bar_chart(bars, "Place mentions by province")}</div>'
        '<table class="places"><thead><tr><th>province</th><th>mentions</th><th>documents</th>'
        f"<th>places named most</th></tr></thead><tbody>{rows}</tbody></table></section>"
    )


def _sentences(tables: Tables, size: int, seed: int) -> tuple[str, list[str]]:
    order = list(ordered_documents(tables.documents)["id"])
    sample = sample_sentences(tables.sentences, tables.entities, size, seed, order)
    titles = dict(zip(tables.documents["id"], tables.documents["title"]))
    items = []
    for sentence in sample:
        rendered = displacy.render(
            {"text": sentence.text, "ents": sentence.entities, "title": None},
            style="ent",
            manual=True,
            options={"colors": ENTITY_COLOURS},
        )
        items.append(
            f'<div class="sentence"><p class="where">{escape(str(titles.get(sentence.document_id, "")))}'
            f" · sentence {sentence.index + 1} {_theme_badges(sentence.themes)}</p>{rendered}</div>"
        )
    not_drawn = sum(sentence.not_drawn for sentence in sample)
    notes = (
        [f"{not_drawn} entities of the sample not drawn (offsets outside their sentence or overlapping)."]
        if not_drawn
        else []
    )
    legend = "".join(
        f'<span class="chip" style="background:{colour}">{label}</span>'
        for label, colour in ENTITY_COLOURS.items()
    )
    section = (
        f'<section id="sentences"><h2>A sample of sentences</h2>'
        f'<p class="hint">{len(sample)} sentences with an entity or a theme, drawn at random (seed {seed}). '
        f"Entities: {legend}; themes as badges.</p>{''.join(items)}{_notes(notes)}</section>"
    )
    return section, notes


def _documents(tables: Tables) -> str:
    programmes = most_frequent(tables.entities, "PROGRAMME", TOP_PER_DOCUMENT)
    places = most_frequent(tables.entities, "PLACE", TOP_PER_DOCUMENT)
    cards = "".join(
        _document_card(d, programmes.get(d.id, []), places.get(d.id, []))
        for d in ordered_documents(tables.documents).itertuples(index=False)
    )
    return (
        '<section id="documents"><h2>Documents</h2>'
        '<p class="hint">Theme profile (share of sentences tagged; hover for the mean probability) and the '
        "programmes and places each document names most.</p>"
        '<p><input id="filter" type="search" placeholder="Filter by title, place, province or year" '
        'aria-label="Filter documents"> <span id="filter-count"></span></p>'
        f'<div class="cards">{cards}</div></section>'
    )


def _errors(tables: Tables) -> str:
    if not tables.errors:
        return ""
    rows = "".join(
        f"<tr><td>{escape(str(e.get('source', '')))}</td><td>{escape(str(e.get('reason', '')))}</td></tr>"
        for e in tables.errors
    )
    return (
        '<section id="errors"><h2>Documents that could not be read</h2>'
        f"<table><thead><tr><th>source</th><th>reason</th></tr></thead><tbody>{rows}</tbody></table></section>"
    )


def render_page(tables: Tables, sample: int, seed: int) -> tuple[str, list[str]]:
    """The report's HTML and notes on what it could not show."""
    themes, theme_notes = _themes_by_place(tables)
    sentences, sentence_notes = _sentences(tables, sample, seed)
    title = f"Themes, programmes and places in {len(tables.documents)} documents"
    nav = "".join(
        f'<a href="#{anchor}">{name}</a>'
        for anchor, name in (
            ("overview", "Overview"),
            ("themes", "Themes by place and year"),
            ("programmes", "Programmes"),
            ("places", "Places"),
            ("documents", "Documents"),
            ("sentences", "Sentences"),
        )
    )
    html = (
        '<!DOCTYPE html><html lang="zh-Hans"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_asset('report.css')}</style></head><body>"
        f"<header><h1>{escape(title)}</h1><nav>{nav}</nav></header><main>"
        + _overview(tables)
        + themes
        + _programmes(tables)
        + _places(tables)
        + _documents(tables)
        + sentences
        + _errors(tables)
        + f"</main><script>{_asset('report.js')}</script></body></html>\n"
    )
    return html, theme_notes + sentence_notes
