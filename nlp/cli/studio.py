"""``policy-nlp studio``: the annotator workflow in Label Studio and the ML backend."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from wasabi import msg

from .paths import DOCUMENTS, EXPORTS, GUIDELINES, MODEL, SPLITS

if TYPE_CHECKING:
    from label_studio_sdk import LabelStudio

STUDIO_PROJECT = "Policy sentences"


def _studio_project(client: LabelStudio, args: argparse.Namespace) -> int:
    """``--project``, else the id of the project called ``--title``."""
    from ..studio.workflow import find_project

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

    from ..studio.client import StudioError, connect
    from ..studio.server import start_server

    os.environ.setdefault("ML_BLOCK_LOCAL_IP", "false")  # the ML backend runs on 127.0.0.1 too
    os.environ.setdefault("SSRF_PROTECTION_ENABLED", "false")  # and gets the webhook events (--train)
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
    from ..studio.client import connect
    from ..studio.project import ensure_project
    from ..studio.workflow import connect_ml_backend

    client = connect(args.url, args.api_key)
    instructions = GUIDELINES.read_text(encoding="utf-8") if GUIDELINES.exists() else ""
    project_id = ensure_project(client, args.title, instructions=instructions)
    if args.ml_backend:
        backend_id = connect_ml_backend(client, project_id, args.ml_backend)
        msg.good(f"ML backend {args.ml_backend} connected (id {backend_id})")
    msg.good(f"Project {args.title!r}: id {project_id}")
    return 0


def cmd_studio_push(args: argparse.Namespace) -> int:
    from ..studio.client import connect
    from ..studio.tasks import sentence_tasks
    from ..studio.workflow import corpus_tasks, push, raw_document
    from ..training.splits import load_splits

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
    from ..studio.client import connect
    from ..studio.stats import export_stats, format_stats
    from ..studio.workflow import pull

    client = connect(args.url, args.api_key)
    result = pull(client, _studio_project(client, args), args.output)
    msg.good(result.line(args.output))
    tables, report = export_stats(args.output, SPLITS)
    print(format_stats(tables))
    for line in report.lines():
        print(line)
    return 0


def cmd_studio_status(args: argparse.Namespace) -> int:
    from ..studio.client import connect
    from ..studio.workflow import status

    client = connect(args.url, args.api_key)
    for line in status(client, _studio_project(client, args)).lines():
        print(line)
    return 0


def cmd_studio_backend(args: argparse.Namespace) -> int:
    import logging

    from ..studio.backend import DEFAULT_MAX_BODY, backend_server
    from ..studio.predictions import load_model, model_version
    from ..studio.retraining import RetrainSettings, kept_model

    _stop_on_signals()

    max_body = DEFAULT_MAX_BODY if args.max_body is None else args.max_body
    if max_body < 1:
        raise ValueError("--max-body must be at least 1 byte.")
    if args.overrides and not args.train:
        raise ValueError(f"config overrides ({' '.join(args.overrides)}) only apply with --train.")
    model = kept_model(args.models_dir, args.model_version) if args.model_version else args.model
    retrain = None
    if args.train:
        api_key = args.api_key or os.environ.get("LABEL_STUDIO_API_KEY")
        if not args.url or not api_key:
            raise ValueError("--train pulls the annotations from Label Studio: set LABEL_STUDIO_URL and "
                             "LABEL_STUDIO_API_KEY (or pass --url and --api-key).")
        if not args.train_config.exists():
            raise FileNotFoundError(f"Config file not found: {args.train_config}")
        retrain = RetrainSettings(url=args.url, api_key=api_key, config=args.train_config, gold=args.gold,
                                  models_dir=args.models_dir, overrides=args.overrides,
                                  min_annotations=args.min_annotations)
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr)
    nlp = load_model(model)
    try:
        server = backend_server(nlp, args.host, args.port, retrain, max_body=max_body)
    except OSError as error:
        msg.fail(f"Cannot listen on {args.host}:{args.port} ({error.strerror}).")
        return 1
    msg.good(f"ML backend at http://{args.host}:{args.port} serving {model} "
             f"({model_version(nlp)}); Ctrl-C stops it")
    if retrain:
        msg.info(f"Retrains on {args.gold} plus the project's annotations after {args.min_annotations} new "
                 f"annotation(s) or on 'Start training'; models kept in {args.models_dir}")
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        msg.info("Stopping the ML backend")
    finally:
        server.server_close()
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:
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
    backend = studio.add_parser(
        "backend", help="serve a model as a Label Studio ML backend",
        description="Serve a model as a Label Studio ML backend. With --train, annotations saved in the project "
                    "retrain it in the background (on the gold export plus the project's annotations) and the "
                    "backend switches to the new model when it is ready; spaCy-style overrides for that "
                    "training follow the options, e.g. --training.max_epochs 5.")
    backend.add_argument("--model", type=Path, default=MODEL, help="model to serve (default: %(default)s)")
    backend.add_argument("--host", default="127.0.0.1")
    backend.add_argument("--port", type=int, default=9090)
    backend.add_argument("--train", action="store_true", help="retrain on new annotations (see the description)")
    backend.add_argument("--url", default=os.environ.get("LABEL_STUDIO_URL"),
                         help="Label Studio to pull annotations from with --train (default: $LABEL_STUDIO_URL)")
    backend.add_argument("--api-key", default=None, help="its token (default: $LABEL_STUDIO_API_KEY)")
    backend.add_argument("--train-config", type=Path, default=Path("configs/base.cfg"),
                         help="training config of the retrains (default: %(default)s)")
    backend.add_argument("--gold", type=Path, default=EXPORTS / "gold.json",
                         help="export trained on along with the project's annotations (default: %(default)s)")
    backend.add_argument("--min-annotations", type=int, default=10,
                         help="new annotations between two retrains (default: %(default)s)")
    backend.add_argument("--models-dir", type=Path, default=Path("training/backend-models"),
                         help="where retrained models are kept, one directory per version (default: %(default)s)")
    backend.add_argument("--model-version", default=None, metavar="VERSION",
                         help="serve this kept model instead of --model (a roll-back)")
    backend.add_argument("--max-body", type=int, default=None, metavar="BYTES",
                         help="refuse larger request bodies with HTTP 413 (default: 4 MiB)")
    backend.set_defaults(func=cmd_studio_backend, config_overrides=True)
