"""``policy-nlp tag``: report files and datasets tagged into the three tables, resumably."""

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from datasets import load_from_disk

from nlp.cli import main
from nlp.corpus.documents import read_documents
from nlp.corpus.splitting import split_sentences
from nlp.studio.predictions import load_model, model_version
from nlp.tagging.documents import document_id

from .conftest import free_port

pytestmark = pytest.mark.slow  # the tests tag with tiny_model, which a training run makes

ROOT = Path(__file__).resolve().parents[1]
FORMS = ("plain.txt", "gbk.txt", "page.html", "report.docx", "report.pdf")


def report_paragraphs() -> list[list[str]]:
    """Five documents of six real corpus sentences each (short enough for one PDF line)."""
    documents = read_documents(ROOT / "annotations" / "corpus" / "documents.jsonl")
    sentences = [s for d in documents for s in d.sentence_texts()
                 if 18 <= len(s) <= 40 and s.endswith("。") and not any(c in s for c in "*<>&")]
    return [sentences[i * 6:(i + 1) * 6] for i in range(len(FORMS))]


def write_html(path: Path, paragraphs: list[str]) -> None:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    path.write_text(f"<html><head><title>网页标题</title><style>p {{color: red}}</style></head><body>"
                    f"<nav><a href='/'>首页</a> <a href='/news'>新闻中心</a></nav><script>var a = '脚本';</script>"
                    f"<main>{body}</main><footer>版权所有 联系我们</footer></body></html>", encoding="utf-8")


def write_docx(path: Path, paragraphs: list[str]) -> None:
    import docx

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    document.save(str(path))


def write_pdf(path: Path, paragraphs: list[str]) -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))  # an Adobe CID font: no font file needed
    page = canvas.Canvas(str(path))
    page.setFont("STSong-Light", 11)
    for line, paragraph in enumerate(paragraphs):
        page.drawString(40, 780 - 20 * line, paragraph)
    page.save()


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """A folder with each readable form of report, a corrupt PDF and an empty file; name → expected text."""
    folder = tmp_path_factory.mktemp("reports")
    expected = {}
    for name, paragraphs in zip(FORMS, report_paragraphs()):
        path = folder / name
        text = "\n".join(paragraphs)
        if name == "plain.txt":
            path.write_text(text, encoding="utf-8")
        elif name == "gbk.txt":
            path.write_bytes(text.encode("gbk"))
        elif name.endswith(".html"):
            write_html(path, paragraphs)
        elif name.endswith(".docx"):
            write_docx(path, paragraphs)
        else:
            write_pdf(path, paragraphs)
        expected[name] = text
    (folder / "bad").mkdir()
    (folder / "bad" / "corrupt.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\ngarbage\n")
    (folder / "bad" / "empty.txt").write_bytes(b"")
    return folder, expected


@pytest.fixture(scope="module")
def tagged(reports, tiny_model, tmp_path_factory):
    folder, _ = reports
    out = tmp_path_factory.mktemp("tagged") / "out"
    code = main(["tag", str(folder), "--model", str(tiny_model), "--output", str(out), "--quiet",
                 "--format", "csv"])
    return out, code


def table(out: Path, name: str) -> list[dict]:
    return pq.read_table(out / "parquet" / f"{name}.parquet").to_pylist()


def test_each_form_of_report_is_tagged_like_nlp_pipe_on_its_text(reports, tagged, tiny_model):
    _, expected = reports
    out, code = tagged
    assert code == 0
    documents = {Path(d["source"]).name: d for d in table(out, "documents")}
    assert set(documents) == set(FORMS)
    nlp = load_model(tiny_model)
    sentences, entities = table(out, "sentences"), table(out, "entities")
    for name, text in expected.items():
        row = documents[name]
        assert row["id"] == document_id(text), f"{name}: the text read differs from the text written"
        doc = nlp(text)
        assert row["sentences"] == len(list(doc.sents)) and row["characters"] == len(text)
        assert row["places"] + row["programmes"] == len(doc.ents)
        mine = [(e["start"], e["end"], e["label"]) for e in entities if e["document_id"] == row["id"]]
        assert sorted(mine) == sorted((e.start_char, e.end_char, e.label_) for e in doc.ents)
        mine = [s for s in sentences if s["document_id"] == row["id"]]
        assert [(s["start"], s["end"]) for s in mine] == split_sentences(text)  # the corpus's sentences
        assert [s["text"] for s in mine] == [text[start:end] for start, end in split_sentences(text)]
        assert [s["themes"] for s in mine] == [sorted(s._.themes, key="转型生态民生".index) for s in doc.sents]
        for theme in ("转型", "生态", "民生"):
            assert row[f"share_{theme}"] == pytest.approx(doc._.themes[theme])
    assert documents["page.html"]["title"] == "网页标题"


def test_unreadable_files_are_listed_with_reasons_and_the_run_records_its_model(tagged, tiny_model):
    out, _ = tagged
    errors = {Path(e["source"]).name: e["reason"] for e in map(json.loads, (out / "errors.jsonl").open())}
    assert set(errors) == {"corrupt.pdf", "empty.txt"}
    assert "PDF" in errors["corrupt.pdf"] and "empty" in errors["empty.txt"]
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["model"]["model_version"] == model_version(load_model(tiny_model))
    assert run["options"]["format"] == ["csv"] and run["tagged"] == 5 and run["unreadable"] == 2
    assert {n["source"].rsplit("/", 1)[-1] for n in run["notes"]} == {"gbk.txt"}


def test_tables_are_a_dataset_dict_and_csv(tagged):
    out, _ = tagged
    dataset = load_from_disk(str(out))
    assert set(dataset) == {"documents", "sentences", "entities"}
    assert dataset["sentences"].num_rows == len(table(out, "sentences")) > 0
    assert (out / "csv" / "entities.csv").read_text(encoding="utf-8").startswith("document_id,sentence,start")


def test_a_second_run_tags_nothing_new(reports, tagged, tiny_model):
    folder, _ = reports
    out, _ = tagged
    before = table(out, "entities")
    assert main(["tag", str(folder), "--model", str(tiny_model), "--output", str(out), "--quiet"]) == 0
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert (run["tagged"], run["already_done"]) == (0, 5)
    assert len(table(out, "documents")) == 5 and table(out, "entities") == before


def test_a_parquet_dataset_keeps_its_metadata_columns(tiny_model, tmp_path):
    texts = ["\n".join(paragraphs) for paragraphs in report_paragraphs()[:3]]
    rows = {"content": texts, "county": ["清徐县", "闻喜县", None], "year": [2021, 2020, 2019],
            "url": [f"https://example.org/{i}" for i in range(3)]}
    pq.write_table(pa.table(rows), tmp_path / "reports.parquet")
    out = tmp_path / "out"
    assert main(["tag", str(tmp_path / "reports.parquet"), "--text-column", "content", "--model", str(tiny_model),
                 "--output", str(out), "--quiet"]) == 0
    documents = sorted(table(out, "documents"), key=lambda d: d["source"])
    assert [d["source"].rsplit("#", 1)[-1] for d in documents] == ["0", "1", "2"]
    assert [(d["county"], d["year"], d["url"]) for d in documents] == list(zip(rows["county"], rows["year"],
                                                                               rows["url"]))


def test_nothing_readable_is_a_failure(tiny_model, tmp_path):
    (tmp_path / "scan.pdf").write_bytes(b"not a pdf at all")
    assert main(["tag", str(tmp_path / "scan.pdf"), "--model", str(tiny_model), "--output",
                 str(tmp_path / "out"), "--quiet"]) == 1


# -- on Dask -------------------------------------------------------------------------------
def sorted_tables(out: Path) -> dict[str, list[dict]]:
    keys = {"documents": ("id",), "sentences": ("document_id", "index"), "entities": ("document_id", "start")}
    return {name: sorted(table(out, name), key=lambda row: tuple(row[k] for k in keys[name])) for name in keys}


def test_two_processes_give_the_one_process_result(reports, tagged, tiny_model, tmp_path):
    folder, _ = reports
    one, _ = tagged
    out = tmp_path / "two"
    assert main(["tag", str(folder), "--model", str(tiny_model), "--output", str(out), "--quiet",
                 "--n-process", "2"]) == 0
    assert table(out, "documents") == table(one, "documents")
    assert table(out, "sentences") == table(one, "sentences")
    assert table(out, "entities") == table(one, "entities")


def test_a_local_dask_cluster_with_the_model_shipped_gives_the_local_result(reports, tagged, tiny_model, tmp_path):
    folder, _ = reports
    local, _ = tagged
    out = tmp_path / "dask"
    assert main(["tag", str(folder), "--model", str(tiny_model), "--output", str(out), "--quiet",
                 "--dask", "local:2", "--partition-size", "2", "--ship-model"]) == 0
    assert sorted_tables(out) == sorted_tables(local)
    errors = sorted(e["source"] for e in map(json.loads, (out / "errors.jsonl").open()))
    assert [Path(e).name for e in errors] == ["corrupt.pdf", "empty.txt"]


def test_a_killed_worker_costs_only_a_retry(reports, tagged, tiny_model, tmp_path):
    import os
    import signal
    import threading
    import time

    from distributed import Client, LocalCluster

    from nlp.tagging.distributed import tag_on_dask

    folder, _ = reports
    local, _ = tagged
    out = tmp_path / "dask"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
            Client(cluster) as client:
        pids = client.run(os.getpid)
        run = threading.Thread(target=tag_on_dask, args=([folder], tiny_model, out, cluster.scheduler_address),
                               kwargs={"progress": False, "partition_size": 1})
        run.start()
        deadline = time.monotonic() + 120
        while not any(client.processing().values()) and time.monotonic() < deadline:
            time.sleep(0.05)
        busy = next(address for address, tasks in client.processing().items() if tasks)
        os.kill(pids[busy], signal.SIGKILL)  # the worker process dies in the middle of its partition
        run.join(timeout=300)
    assert not run.is_alive()
    assert sorted_tables(out) == sorted_tables(local)


def test_an_unreachable_scheduler_is_a_one_line_error(reports, tiny_model, tmp_path, capsys):
    folder, _ = reports
    code = main(["tag", str(folder), "--model", str(tiny_model), "--output", str(tmp_path / "out"), "--quiet",
                 "--dask", f"tcp://127.0.0.1:{free_port()}"])
    error = capsys.readouterr().err.strip()
    assert code == 1 and len(error.splitlines()) == 1 and "Cannot reach the Dask scheduler" in error
