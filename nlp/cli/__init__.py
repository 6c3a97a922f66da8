"""policy-nlp: read Chinese local-government policy texts (corpus, gold annotations, Label Studio, tagging)."""

import argparse
import sys

from . import annotations, corpus, studio, tag

COMMAND_GROUPS = (corpus, annotations, studio, tag)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="policy-nlp", description=__doc__)
    commands = parser.add_subparsers(dest="group", required=True)
    for group in COMMAND_GROUPS:
        group.add_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    from ..annotations import ExportError
    from ..corpus.cleaning import CorpusError
    from ..studio.client import StudioError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (CorpusError, ExportError, StudioError, FileNotFoundError, ValueError) as error:
        print(f"✘ {' '.join(str(error).splitlines())}", file=sys.stderr)  # one line, unwrapped
        return 1
    except KeyboardInterrupt:
        print("✘ Interrupted.", file=sys.stderr)
        return 130
