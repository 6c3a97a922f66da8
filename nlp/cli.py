"""The ``policy-nlp`` command."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from wasabi import msg

if TYPE_CHECKING:
    from label_studio_sdk import LabelStudio

ROOT = Path.cwd()
RAW_DIR = Path("annotations/corpus/raw")
SOURCES = Path("annotations/corpus/sources.json")
DOCUMENTS = Path("annotations/corpus/documents.jsonl")
SPLITS = Path("annotations/splits.json")
SAMPLE = Path("annotations/sample.json")
EXPORTS = Path("annotations/exports")
JUDGEMENTS = Path("annotations/judgements")
GOLD_PROJECT = "Policy gold corpus"
SECOND_PASS_PROJECT = "Policy agreement second pass"
STUDIO_PROJECT = "Policy sentences"
GUIDELINES = Path("annotations/GUIDELINES.md")
MODEL = Path("training/model-best")


def cmd_corpus_build(args) -> int:
    from .corpus.documents import build_corpus, write_documents

    documents, report = build_corpus(args.raw, args.sources)
    write_documents(documents, args.output)
    for line in report.lines():
        msg.info(line)
    sentences = sum(len(d.sentences) for d in documents)
    msg.good(f"{len(documents)} documents, {sentences} sentences → {args.output}")
    return 0


def cmd_corpus_sample(args) -> int:
    from .corpus.documents import read_documents
    from .corpus.sampling import build_sample, read_sample, write_sample
    from .studio.gold import read_judgements

    sizes = {}
    for item in args.size:
        level, _, number = item.partition("=")
        if not number.isdigit():
            msg.fail(f"--size {item!r}: expected LEVEL=N, e.g. city=150.")
            return 1
        sizes[level] = int(number)
    annotated = {doc_id for doc_id, _ in read_judgements(args.judgements)} if args.judgements.exists() else set()
    already = read_sample(args.output)
    documents = [d for d in read_documents(args.documents) if d.id in already or d.id not in annotated]
    if not documents:
        msg.fail(f"Nothing to sample: every document of {args.documents} has judgements in {args.judgements} "
                 f"and none is in {args.output}. Give the existing sample file as --output to extend it.")
        return 1
    unsized = sorted({d.level for d in documents} - set(sizes))
    if unsized:
        msg.fail(f"No --size for level(s) {', '.join(unsized)} of the documents to sample.")
        return 1
    smaller = [d.id for d in documents if len(already.get(d.id, ())) > min(sizes[d.level], len(d.sentences))]
    if smaller:
        msg.fail(f"The sizes would drop sentences already sampled in {', '.join(smaller)}: do not shrink them.")
        return 1
    sample = build_sample(documents, sizes, args.seed, keep=already)
    write_sample(sample, args.output)
    total = sum(len(entry["sentences"]) for entry in sample["documents"].values())
    msg.good(f"{len(sample['documents'])} documents, {total} sentences sampled → {args.output}")
    return 0


def cmd_stats(args) -> int:
    from .studio.stats import export_stats, format_stats

    tables, report = export_stats(args.export, args.splits)
    print(format_stats(tables))
    for line in report.lines():
        print(line)
    return 0


def cmd_agreement(args) -> int:
    from .corpus.sampling import read_sample
    from .studio.agreement import agreement, split_by_annotator
    from .studio.annotations import load_export, read_annotations

    sampled = set(read_sample(args.sample)) if args.sample else None
    if args.sample and not sampled:
        msg.fail(f"{args.sample}: no sampled documents.")
        return 1

    def read(path: Path, **options) -> list:
        annotations = read_annotations(load_export(path), **options)
        return [a for a in annotations if sampled is None or a.doc_id in sampled]

    if args.second:
        first = read(args.export)
        second = read(args.second)
    else:
        groups = split_by_annotator(read(args.export, every_annotator=True))
        if len(groups) < 2:
            msg.fail(f"{args.export}: annotations of only {len(groups)} annotator(s); agreement needs two.")
            return 1
        (_, first), (_, second) = sorted(groups.items(), key=lambda kv: -len(kv[1]))[:2]
    result = agreement(first, second)
    print(f"{result['sentences']} sentences annotated by both")
    for theme, kappa in result["kappa"].items():
        print(f"  kappa {theme}: {kappa:.3f}")
    for label in result["exact_f1"]:
        print(f"  {label}: exact-span F1 {result['exact_f1'][label]:.3f}, overlap F1 {result['overlap_f1'][label]:.3f}")
    if args.json:
        result = dict(result, disagreements=dict(result["disagreements"]))
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


def _client_and_server(args):
    from .studio.client import connect
    from .studio.server import start_server

    if args.serve:
        server = start_server(args.serve, port=args.port)
        msg.info(f"Label Studio started at {server.url} (data in {args.serve})")
        return connect(server.url, server.token), server
    return connect(args.url, args.api_key), None


def cmd_sync(args) -> int:
    from .studio.gold import annotated_tasks, sync_gold

    client, server = _client_and_server(args)
    try:
        guidelines = Path("annotations/GUIDELINES.md")
        instructions = guidelines.read_text(encoding="utf-8") if guidelines.exists() else ""
        for name, title in (("gold", GOLD_PROJECT), ("second-pass", SECOND_PASS_PROJECT)):
            judgements = JUDGEMENTS / f"{name}.jsonl"
            if not judgements.exists():
                continue
            tasks = annotated_tasks(DOCUMENTS, SPLITS, judgements)
            imported, updated, exported = sync_gold(client, title, tasks, EXPORTS / f"{name}.json", instructions,
                                                    progress=lambda line: msg.text(f"  {line}"))
            msg.good(f"{title}: {imported} tasks imported, {updated} annotations updated, "
                     f"{exported} exported → {EXPORTS / f'{name}.json'}")
    finally:
        if server:
            server.stop()
    return 0


def _studio_project(client: LabelStudio, args: argparse.Namespace) -> int:
    """``--project``, else the id of the project called ``--title``."""
    from .studio.workflow import find_project

    return args.project if args.project is not None else find_project(client, args.title)


def _stop_on_signals() -> None:
    """Ctrl-C (SIGINT) and SIGTERM stop a long-running command cleanly.

    A process started in the background by a shell inherits an ignored SIGINT; the
    handlers are installed explicitly so that the documented Ctrl-C works there too.
    """

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)


def cmd_studio_serve(args: argparse.Namespace) -> int:
    import secrets

    _stop_on_signals()

    from .studio.client import StudioError, connect
    from .studio.server import start_server

    os.environ.setdefault("ML_BLOCK_LOCAL_IP", "false")  # the ML backend runs on 127.0.0.1 too
    first_start = not (args.data_dir / "label_studio.sqlite3").exists()
    password = None
    if first_start and not os.environ.get("LABEL_STUDIO_PASSWORD"):
        password = os.environ["LABEL_STUDIO_PASSWORD"] = secrets.token_urlsafe(12)
    server = start_server(args.data_dir, port=args.port)
    try:
        msg.good(f"Label Studio at {server.url} (data in {args.data_dir}); Ctrl-C stops it")
        try:
            user = connect(server.url, server.token).users.whoami().email
            print(f"export LABEL_STUDIO_URL={server.url} LABEL_STUDIO_API_KEY={server.token}")
            if password:
                print(f"web login: {user} / {password}")
        except StudioError:
            msg.info(f"{args.data_dir} keeps the token and password printed at its first start "
                     "(set LABEL_STUDIO_USER_TOKEN to that token to have it checked and printed again).")
        sys.stdout.flush()
        code = server.process.wait()
        msg.fail(f"Label Studio stopped by itself (exit {code}); see {server.log}")
        return 1
    except KeyboardInterrupt:
        msg.info("Stopping Label Studio")
        return 0
    finally:
        server.stop()


def cmd_studio_init(args: argparse.Namespace) -> int:
    from .studio.client import connect
    from .studio.project import ensure_project
    from .studio.workflow import connect_ml_backend

    client = connect(args.url, args.api_key)
    instructions = GUIDELINES.read_text(encoding="utf-8") if GUIDELINES.exists() else ""
    project_id = ensure_project(client, args.title, instructions=instructions)
    if args.ml_backend:
        backend_id = connect_ml_backend(client, project_id, args.ml_backend)
        msg.good(f"ML backend {args.ml_backend} connected (id {backend_id})")
    msg.good(f"Project {args.title!r}: id {project_id}")
    return 0


def cmd_studio_push(args: argparse.Namespace) -> int:
    from .studio.client import connect
    from .studio.tasks import sentence_tasks
    from .studio.workflow import corpus_tasks, push, raw_document
    from .training.splits import load_splits

    split_of = load_splits(SPLITS)
    if args.files:
        tasks = sentence_tasks([raw_document(path) for path in args.files], split_of)
    else:
        tasks = corpus_tasks(DOCUMENTS, split_of, args.documents or ())
    client = connect(args.url, args.api_key)
    project_id = _studio_project(client, args)
    imported, present = push(client, project_id, tasks, None if args.no_predictions else args.model,
                             order=args.order, batch_size=args.batch_size, progress=lambda line: msg.text(f"  {line}"))
    msg.good(f"Project {project_id}: {imported} tasks imported, {present} already there")
    return 0


def cmd_studio_pull(args: argparse.Namespace) -> int:
    from .studio.client import connect
    from .studio.stats import export_stats, format_stats
    from .studio.workflow import pull

    client = connect(args.url, args.api_key)
    result = pull(client, _studio_project(client, args), args.output)
    msg.good(result.line(args.output))
    tables, report = export_stats(args.output, SPLITS)
    print(format_stats(tables))
    for line in report.lines():
        print(line)
    return 0


def cmd_studio_status(args: argparse.Namespace) -> int:
    from .studio.client import connect
    from .studio.workflow import status

    client = connect(args.url, args.api_key)
    for line in status(client, _studio_project(client, args)).lines():
        print(line)
    return 0


def cmd_studio_backend(args: argparse.Namespace) -> int:
    from .studio.backend import backend_server
    from .studio.predictions import load_model, model_version

    _stop_on_signals()

    nlp = load_model(args.model)
    try:
        server = backend_server(nlp, args.host, args.port)
    except OSError as error:
        msg.fail(f"Cannot listen on {args.host}:{args.port} ({error.strerror}).")
        return 1
    msg.good(f"ML backend at http://{args.host}:{args.port} serving {args.model} "
             f"({model_version(nlp)}); Ctrl-C stops it")
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        msg.info("Stopping the ML backend")
    finally:
        server.server_close()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="policy-nlp", description=__doc__)
    commands = parser.add_subparsers(dest="group", required=True)

    corpus = commands.add_parser("corpus", help="the cleaned corpus").add_subparsers(dest="command", required=True)
    build = corpus.add_parser("build", help="clean the raw documents into documents.jsonl")
    build.add_argument("--raw", type=Path, default=RAW_DIR)
    build.add_argument("--sources", type=Path, default=SOURCES)
    build.add_argument("--output", type=Path, default=DOCUMENTS)
    build.set_defaults(func=cmd_corpus_build)

    sample = corpus.add_parser("sample", help="draw the gold sample of the documents not annotated in full")
    sample.add_argument("--size", action="append", default=[], metavar="LEVEL=N",
                        help="sentences per document of a level, e.g. --size province=120 --size city=150")
    sample.add_argument("--seed", type=int, default=2026)
    sample.add_argument("--documents", type=Path, default=DOCUMENTS)
    sample.add_argument("--judgements", type=Path, default=JUDGEMENTS / "gold.jsonl",
                        help="documents with judgements here (and not in the sample) are annotated in full")
    sample.add_argument("--output", type=Path, default=SAMPLE)
    sample.set_defaults(func=cmd_corpus_sample)

    annotations = commands.add_parser("annotations", help="gold annotations").add_subparsers(
        dest="command", required=True)
    stats = annotations.add_parser("stats", help="counts per split and checks of an export")
    stats.add_argument("export", type=Path, nargs="?", default=EXPORTS / "gold.json")
    stats.add_argument("--splits", type=Path, default=SPLITS)
    stats.set_defaults(func=cmd_stats)
    agree = annotations.add_parser("agreement", help="kappa per theme and span F1 per label")
    agree.add_argument("export", type=Path, help="an export with two annotators, or the first of two exports")
    agree.add_argument("second", type=Path, nargs="?", help="a second export of the same sentences")
    agree.add_argument("--json", type=Path, help="also write the figures and disagreements as JSON")
    agree.add_argument("--sample", type=Path,
                       help="only the documents of this sample file (e.g. annotations/sample.json)")
    agree.set_defaults(func=cmd_agreement)
    sync = annotations.add_parser("sync", help="judgements → Label Studio → annotations/exports/")
    sync.add_argument("--url", default=os.environ.get("LABEL_STUDIO_URL"))
    sync.add_argument("--api-key", default=None, help="default: $LABEL_STUDIO_API_KEY")
    sync.add_argument("--serve", type=Path, default=None, help="start a local Label Studio with data in DIR")
    sync.add_argument("--port", type=int, default=8080)
    sync.set_defaults(func=cmd_sync)

    connection = argparse.ArgumentParser(add_help=False)
    connection.add_argument("--url", default=os.environ.get("LABEL_STUDIO_URL"), help="default: $LABEL_STUDIO_URL")
    connection.add_argument("--api-key", default=None, help="default: $LABEL_STUDIO_API_KEY")
    connection.add_argument("--title", default=STUDIO_PROJECT, help="project title (default: %(default)s)")
    target = argparse.ArgumentParser(add_help=False, parents=[connection])
    target.add_argument("--project", type=int, default=None, help="project id (default: the project called --title)")
    studio = commands.add_parser("studio", help="the annotator workflow in Label Studio").add_subparsers(
        dest="command", required=True)
    serve = studio.add_parser("serve", help="run a local Label Studio until Ctrl-C")
    serve.add_argument("--data-dir", type=Path, default=Path(".studio"))
    serve.add_argument("--port", type=int, default=8080)
    serve.set_defaults(func=cmd_studio_serve)
    init = studio.add_parser("init", parents=[connection], help="create (or find) the annotation project")
    init.add_argument("--ml-backend", default=None, metavar="URL", help="connect this ML backend to the project")
    init.set_defaults(func=cmd_studio_init)
    push = studio.add_parser("push", parents=[target], help="import sentences as tasks with model predictions")
    source = push.add_mutually_exclusive_group()
    source.add_argument("--documents", nargs="+", metavar="DOC_ID", help="only these corpus documents")
    source.add_argument("--files", nargs="+", type=Path, metavar="RAW.txt", help="new raw UTF-8 documents instead")
    push.add_argument("--model", type=Path, default=MODEL, help="model for predictions (default: %(default)s)")
    push.add_argument("--no-predictions", action="store_true", help="import the tasks without predictions")
    push.add_argument("--order", choices=("document", "uncertainty"), default="document",
                      help="import order: corpus order, or least certain sentences first")
    push.add_argument("--batch-size", type=int, default=100)
    push.set_defaults(func=cmd_studio_push)
    pull = studio.add_parser("pull", parents=[target], help="export annotations and merge them into a file")
    pull.add_argument("--output", type=Path, default=EXPORTS / "studio.json")
    pull.set_defaults(func=cmd_studio_pull)
    state = studio.add_parser("status", parents=[target], help="progress per document and per annotator")
    state.set_defaults(func=cmd_studio_status)
    backend = studio.add_parser("backend", help="serve a model as a Label Studio ML backend")
    backend.add_argument("--model", type=Path, default=MODEL)
    backend.add_argument("--host", default="127.0.0.1")
    backend.add_argument("--port", type=int, default=9090)
    backend.set_defaults(func=cmd_studio_backend)
    return parser


def main(argv: list[str] | None = None) -> int:
    from .corpus.cleaning import CorpusError
    from .studio.annotations import ExportError
    from .studio.client import StudioError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (CorpusError, ExportError, StudioError, FileNotFoundError, ValueError) as error:
        print(f"✘ {' '.join(str(error).splitlines())}", file=sys.stderr)  # one line, unwrapped
        return 1
    except KeyboardInterrupt:
        print("✘ Interrupted.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
