"""policy-nlp: read Chinese local-government policy texts (corpus, gold annotations, Label Studio, tagging, reports)."""

import argparse
import logging
import sys
import traceback

from . import annotations, corpus, curve, report, studio, tag

COMMAND_GROUPS = (corpus, annotations, studio, tag, report, curve)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="policy-nlp", description=__doc__)
    parser.add_argument("--debug", action="store_true",
                        help="log at debug level (every HTTP request) and print the traceback of an error")
    commands = parser.add_subparsers(dest="group", required=True)
    for group in COMMAND_GROUPS:
        group.add_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    from ..annotations import ExportError
    from ..corpus.cleaning import CorpusError
    from ..studio.client import StudioError

    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    if getattr(args, "config_overrides", False):  # spaCy-style --section.key value after the options
        from spacy.cli._util import parse_config_overrides

        args.overrides = parse_config_overrides(rest)
    elif rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    if args.debug:
        logging.basicConfig(level=logging.DEBUG, format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args)
    except (CorpusError, ExportError, StudioError, FileNotFoundError, ValueError) as error:
        if args.debug:
            traceback.print_exc()
        print(f"✘ {' '.join(str(error).splitlines())}", file=sys.stderr)  # one line, unwrapped
        return 1
    except KeyboardInterrupt:
        print("✘ Interrupted.", file=sys.stderr)
        return 130
