"""``policy-nlp report``: contract tables → one HTML page, opened in headless Chromium."""

import hashlib
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from nlp.annotations import THEMES
from nlp.cli import main

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
INJECTED = "<script>window.injected = 1</script>"

WENXI = {"place_code": "140823", "place_level": "county", "place_parents": ["运城市", "山西省"]}
QINGXU = {"place_code": "140121", "place_level": "county", "place_parents": ["太原市", "山西省"]}
LESHAN = {"place_code": "511100", "place_level": "city", "place_parents": ["四川省"]}
DONGZHEN = {"place_level": "town", "place_parents": ["闻喜县", "运城市", "山西省"]}
FENHE = {"place_level": "natural"}
DUBAI = {"place_level": "foreign_city", "place_parents": ["阿拉伯联合酋长国"]}


def programme(name, kind=None):
    return {"programme": name, "programme_kind": kind}


# (title, place, place code, province, year, sentences); a sentence: (text, themes, entities);
# an entity: (text, label, its columns).
DOCUMENTS = [
    (
        "2021年闻喜县政府工作报告",
        "闻喜县",
        "140823",
        "山西省",
        2021,
        [
            (
                "闻喜县深入推进河长制，完成造林绿化2.4万亩。",
                ["生态"],
                [("闻喜县", "PLACE", WENXI), ("河长制", "PROGRAMME", programme("河长制", "system"))],
            ),
            ("全县新增就业3115人，城镇登记失业率控制在4%以内。", ["民生"], []),
            (
                "东镇镇引进新材料企业5家，推动“六稳”工作落地。",
                ["转型"],
                [("东镇镇", "PLACE", DONGZHEN), ("六稳", "PROGRAMME", programme("六稳", "formula"))],
            ),
        ],
    ),
    (
        "2022年闻喜县政府工作报告",
        "闻喜县",
        "140823",
        "山西省",
        2022,
        [
            (
                "闻喜县全面落实乡村振兴战略。",
                ["转型"],
                [
                    ("闻喜县", "PLACE", WENXI),
                    ("乡村振兴战略", "PROGRAMME", programme("乡村振兴", "strategy")),
                ],
            ),
            ("新建城乡公交线路6条。", ["民生"], []),
        ],
    ),
    (
        "2021年清徐县政府工作报告",
        "清徐县",
        "140121",
        "山西省",
        2021,
        [
            (
                "清徐县全面落实河长制，汾河水质稳定达标。",
                ["生态"],
                [
                    ("清徐县", "PLACE", QINGXU),
                    ("河长制", "PROGRAMME", programme("河长制", "system")),
                    ("汾河", "PLACE", FENHE),
                ],
            ),
            (
                "实施乡村振兴，建成美丽乡村示范村12个。",
                ["转型", "民生"],
                [("乡村振兴", "PROGRAMME", programme("乡村振兴", "strategy"))],
            ),
        ],
    ),
    (
        "乐山市政府工作报告" + INJECTED,
        "乐山市",
        "511100",
        "四川省",
        2025,
        [
            ("乐山市新增城镇就业4.2万人。", ["民生"], [("乐山市", "PLACE", LESHAN)]),
            ("与迪拜开展经贸合作，<b>外贸</b>进出口增长8%。", ["转型"], [("迪拜", "PLACE", DUBAI)]),
            ("会议结束。", [], []),
        ],
    ),
]
ENTITY_COLUMNS = {
    "place_code": None,
    "place_level": None,
    "place_parents": [],
    "programme": None,
    "programme_kind": None,
}


def write_tables(out: Path) -> None:
    """OUT/parquet/{documents,sentences,entities}.parquet, run.json, errors.jsonl: the tagging contract."""
    documents, sentences, entities = [], [], []
    for title, place, place_code, province, year, doc_sentences in DOCUMENTS:
        text = "".join(sentence for sentence, _, _ in doc_sentences)
        doc_id = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
        start = 0
        for index, (sentence, themes, doc_entities) in enumerate(doc_sentences):
            scores = {f"score_{t}": 0.9 if t in themes else 0.1 for t in THEMES}
            sentences.append(
                {
                    "document_id": doc_id,
                    "index": index,
                    "text": sentence,
                    "start": start,
                    "end": start + len(sentence),
                    "themes": themes,
                    **scores,
                }
            )
            for surface, label, columns in doc_entities:
                offset = start + sentence.index(surface)
                entities.append(
                    {
                        "document_id": doc_id,
                        "sentence": index,
                        "start": offset,
                        "end": offset + len(surface),
                        "text": surface,
                        "label": label,
                        **ENTITY_COLUMNS,
                        **columns,
                    }
                )
            start += len(sentence)
        own = [s for s in sentences if s["document_id"] == doc_id]
        labels = [e["label"] for e in entities if e["document_id"] == doc_id]
        documents.append(
            {
                "id": doc_id,
                "source": f"reports/{place}-{year}.txt",
                "title": title,
                "place": place,
                "place_code": place_code,
                "province": province,
                "year": year,
                "sentences": len(own),
                "characters": len(text),
                **{f"share_{t}": sum(t in s["themes"] for s in own) / len(own) for t in THEMES},
                **{f"score_{t}": sum(s[f"score_{t}"] for s in own) / len(own) for t in THEMES},
                "places": labels.count("PLACE"),
                "programmes": labels.count("PROGRAMME"),
            }
        )
    (out / "parquet").mkdir(parents=True)
    for name, rows in (("documents", documents), ("sentences", sentences), ("entities", entities)):
        pd.DataFrame(rows).to_parquet(out / "parquet" / f"{name}.parquet", index=False)
    (out / "run.json").write_text(
        json.dumps(
            {
                "model": "zh_policy_nlp",
                "model_version": "0.1.0",
                "date": "2026-11-30T00:00:00+00:00",
                "options": {"n_process": 1},
            }
        )
    )
    (out / "errors.jsonl").write_text(
        json.dumps({"source": "reports/scan.pdf", "reason": "no text layer"}) + "\n"
    )


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("tagged")
    write_tables(out)
    assert main(["report", str(out), "--sample", "20"]) == 0
    return out / "report.html"


def test_the_page_needs_no_network_and_escapes_every_text(report):
    html = report.read_text(encoding="utf-8")
    assert "<script" in html and html.count("<script") == 1  # the page's own script only
    assert "&lt;script&gt;window.injected = 1&lt;/script&gt;" in html
    assert "&lt;b&gt;外贸&lt;/b&gt;" in html and "<b>外贸</b>" not in html
    for remote in ('src="http', 'href="http', "@import", "url("):
        assert remote not in html
    assert "reports/scan.pdf" in html and "no text layer" in html  # documents not read are listed


def test_missing_tables_are_a_one_line_error(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 1
    error = capsys.readouterr().err.strip()
    assert "\n" not in error and "no tables to report on" in error and "policy-nlp tag" in error
    assert not (tmp_path / "report.html").exists()


def test_a_missing_column_is_named(tmp_path, capsys):
    write_tables(tmp_path)
    pd.read_parquet(tmp_path / "parquet" / "entities.parquet").drop(columns=["label"]).to_parquet(
        tmp_path / "parquet" / "entities.parquet"
    )
    assert main(["report", str(tmp_path)]) == 1
    assert "entities.parquet: columns missing: label." in capsys.readouterr().err


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """Debian's Chromium driven headless through its chromedriver (no browser download)."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip(
            "Debian packages chromium and chromium-driver not installed (scripts/setup.sh installs them)"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,1000",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    yield driver
    driver.quit()


def open_page(browser, path: Path) -> list[dict]:
    """Load ``path``; the console messages of the load."""
    browser.get_log("browser")  # drop what earlier pages logged
    browser.get(path.as_uri())
    return browser.get_log("browser")


def boxes(browser, selector: str) -> list[dict]:
    return browser.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0])).map(e => {"
        " const r = e.getBoundingClientRect(); return {width: r.width, height: r.height}; });",
        selector,
    )


def test_the_report_renders_in_headless_chromium_without_console_errors(report, browser):
    console = open_page(browser, report)
    assert [m for m in console if m["level"] in ("SEVERE", "WARNING")] == []
    assert browser.execute_script("return window.injected") is None
    charts = boxes(browser, "svg.chart")
    # overview, heatmap, shared programmes, places by province, one theme profile per document
    assert len(charts) == 4 + len(DOCUMENTS)
    assert all(box["width"] > 50 and box["height"] > 10 for box in charts)
    assert (
        len(boxes(browser, "#themes g.cell rect")) == 3 * 4
    )  # 3 themes × (清徐县 2021, 闻喜县 2021, 2022, 乐山市 2025)
    shared = browser.find_element("id", "programmes").text
    assert "河长制 (system)" in shared and "乡村振兴 (strategy)" in shared and "六稳" not in shared
    provinces = browser.find_element("id", "places").text
    assert "山西省" in provinces and "东镇镇" in provinces and "(abroad)" in provinces


def test_theme_profiles_are_drawn_to_scale(report, browser):
    open_page(browser, report)
    bars = browser.execute_script(
        "const card = Array.from(document.querySelectorAll('article.doc'))"
        "  .find(c => c.textContent.includes('乐山'));"
        "return Array.from(card.querySelectorAll('g.bar rect')).map(r => r.getBoundingClientRect().width);"
    )
    # 转型, 生态, 民生: one sentence of three, none, one of three; a share of 1 is 160 pixels
    assert bars == pytest.approx([160 / 3, 0, 160 / 3], abs=0.5)


def test_documents_follow_the_administrative_codes(report, browser):
    open_page(browser, report)
    titles = [h3.text for h3 in browser.find_elements("css selector", "article.doc h3")]
    assert titles[:3] == ["2021年清徐县政府工作报告", "2021年闻喜县政府工作报告", "2022年闻喜县政府工作报告"]


def test_sample_sentences_show_entities_and_theme_badges(report, browser):
    open_page(browser, report)
    sentences = [sentence for *_, doc_sentences in DOCUMENTS for sentence in doc_sentences]
    shown = [(text, themes, entities) for text, themes, entities in sentences if themes or entities]
    assert len(browser.find_elements("css selector", "#sentences .sentence")) == len(shown) == 9
    marks = browser.find_elements("css selector", "#sentences mark.entity")
    assert len(marks) == sum(len(entities) for _, _, entities in shown) == 12
    assert {mark.text for mark in marks} == {
        f"{text} {label}" for *_, entities in shown for text, label, _ in entities
    }
    assert len(browser.find_elements("css selector", "#sentences .badge")) == sum(len(t) for _, t, _ in shown)


def test_the_filter_narrows_the_documents(report, browser):
    open_page(browser, report)
    field = browser.find_element("id", "filter")
    field.send_keys("闻喜 2022")
    visible = [card for card in browser.find_elements("css selector", "article.doc") if card.is_displayed()]
    assert [card.find_element("tag name", "h3").text for card in visible] == ["2022年闻喜县政府工作报告"]
    assert browser.find_element("id", "filter-count").text == "1 of 4 documents"


def test_a_script_error_would_be_caught(report, browser, tmp_path):
    broken = tmp_path / "report.html"
    shutil.copy(report, broken)
    broken.write_text(
        broken.read_text(encoding="utf-8").replace('getElementById("filter")', 'getElementById("nope")'),
        encoding="utf-8",
    )
    assert [m for m in open_page(browser, broken) if m["level"] == "SEVERE"]


def test_many_places_are_grouped_by_province():
    from nlp.reporting.summaries import MAX_HEATMAP_PLACES, theme_grid

    documents = pd.DataFrame(
        [
            {
                "title": f"县{i}",
                "place": f"县{i}",
                "place_code": f"14{i:04d}" if i % 2 else f"51{i:04d}",
                "province": "山西省" if i % 2 else "四川省",
                "year": 2021,
                "sentences": 10,
                "share_转型": 0.5 if i % 2 else 0.1,
                "share_生态": 0.0,
                "share_民生": 0.2,
            }
            for i in range(MAX_HEATMAP_PLACES + 1)
        ]
    )
    grid = theme_grid(documents)
    assert grid.grouped_by == "province" and grid.rows == ["山西省", "四川省"] and grid.years == ["2021"]
    assert grid.cells["转型"][("山西省", "2021")][0] == pytest.approx(0.5)
    assert grid.cells["转型"][("四川省", "2021")][0] == pytest.approx(0.1)


def test_tables_without_entities_still_give_a_page(tmp_path):
    write_tables(tmp_path)
    entities = pd.read_parquet(tmp_path / "parquet" / "entities.parquet")
    entities.iloc[0:0].to_parquet(tmp_path / "parquet" / "entities.parquet")
    assert main(["report", str(tmp_path)]) == 0
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "No programme is named by more than one document." in html and "No place is named." in html
    assert html.count('class="sentence"') == 9  # the sentences with a theme
