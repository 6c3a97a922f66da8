"""Against a real Label Studio server, started for this test session."""

import pytest

from nlp.annotations import load_export, read_annotations
from nlp.studio.client import LABEL_CONFIG, StudioError, connect
from nlp.studio.project import ensure_project, export_project, import_new_tasks

from .conftest import GOLD, free_port

pytestmark = pytest.mark.studio


def as_import(task: dict) -> dict:
    annotation = task["annotations"][0]
    return {"data": task["data"], "annotations": [{"result": annotation["result"]}]}


def test_labelling_config_is_valid_and_accepted(client):
    from label_studio_sdk.label_interface import LabelInterface

    interface = LabelInterface(LABEL_CONFIG.read_text(encoding="utf-8"))
    interface.validate()
    assert set(interface.get_control("label").labels) == {"PLACE", "PROGRAMME"}
    assert ensure_project(client, "Config check") == ensure_project(client, "Config check")


def test_round_trip_is_lossless_and_idempotent(client):
    every = load_export(GOLD)
    first_corpus = every[:10]
    labelled_new = [t for t in every if t["data"].get("level") in ("province", "city") and t["annotations"][0]["result"]]
    provincial_and_city = labelled_new[::400][:15]  # spread over the provincial and city reports
    tasks = first_corpus + provincial_and_city
    project = ensure_project(client, "Round trip")
    assert import_new_tasks(client, project, [as_import(t) for t in tasks], progress=lambda _: None) == 25
    assert import_new_tasks(client, project, [as_import(t) for t in tasks], progress=lambda _: None) == 0
    exported = export_project(client, project)
    assert len(exported) == 25

    def judged(export):
        return {(a.doc_id, a.meta["sentence"]): (a.text, a.themes, a.spans) for a in read_annotations(export)}

    assert judged(exported) == judged(tasks)


def test_server_down_gives_one_line_error():
    with pytest.raises(StudioError, match=r"not reachable at http://127\.0\.0\.1:\d+"):
        connect(f"http://127.0.0.1:{free_port()}", "some-token")


def test_wrong_token_is_rejected_without_echoing_it(server):
    with pytest.raises(StudioError, match="rejected the token") as error:
        connect(server.url, "wrong-token-0000")
    assert "wrong-token-0000" not in str(error.value)
