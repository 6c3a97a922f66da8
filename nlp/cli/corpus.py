"""``policy-nlp corpus``: build the cleaned corpus and draw the gold sample."""

from __future__ import annotations

import argparse
from pathlib import Path

from wasabi import msg

from .paths import DOCUMENTS, JUDGEMENTS, RAW_DIR, SAMPLE, SOURCES


def cmd_corpus_build(args) -> int:
    from ..corpus.documents import build_corpus, write_documents

    documents, report = build_corpus(args.raw, args.sources)
    write_documents(documents, args.output)
    for line in report.lines():
        msg.info(line)
    sentences = sum(len(d.sentences) for d in documents)
    msg.good(f"{len(documents)} documents, {sentences} sentences → {args.output}")
    return 0


def cmd_corpus_sample(args) -> int:
    from ..corpus.documents import read_documents
    from ..corpus.sampling import build_sample, read_sample, write_sample
    from ..studio.gold import read_judgements

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


def add_commands(commands: argparse._SubParsersAction) -> None:
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

