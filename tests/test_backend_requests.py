"""The ML backend answers malformed requests with a 4xx and a clear message: never a 500, never a hang."""

import json
import socket
import threading

import httpx
import pytest
import spacy

from nlp.studio.backend import DEFAULT_MAX_BODY, backend_server
from nlp.studio.client import LABEL_CONFIG

pytestmark = pytest.mark.slow  # uses the tiny trained model

LIMIT = 200_000  # bytes accepted by the test server
TIMEOUT = 2.0  # seconds the test server waits for a request body
SENTENCE = "清徐县推进河长制，完成造林绿化2.4万亩。"


@pytest.fixture(scope="module")
def backend(tiny_model):
    """An in-process backend on a free port: one with a small body limit, one with the defaults."""
    nlp = spacy.load(tiny_model)
    servers = [backend_server(nlp, port=0, max_body=LIMIT, read_timeout=TIMEOUT), backend_server(nlp, port=0)]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    yield [f"http://127.0.0.1:{server.server_address[1]}" for server in servers]
    for server in servers:
        server.shutdown()
        server.server_close()


def raw_request(url: str, head: bytes, body: bytes = b"", close_write: bool = False) -> tuple[int, dict]:
    """Send bytes as they are (no client library fixes them up); the status and JSON answer."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=TIMEOUT + 10) as connection:
        connection.sendall(head + body)
        if close_write:
            connection.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    return int(status_line.split()[1]), json.loads(rest.partition(b"\r\n\r\n")[2])


def post_head(length: int | str, content_type: str = "application/json", extra: str = "") -> bytes:
    return (f"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {length}\r\n{extra}\r\n").encode()


@pytest.mark.parametrize("request_kwargs, status, message", [
    ({"content": b"{not json"}, 400, "not JSON"),
    ({"content": b"\xff\xfe\x00garbage"}, 400, "not JSON"),
    ({"content": b"[" * 100_000 + b"]" * 100_000}, 400, "nested too deeply"),
    ({"json": ["a", "list"]}, 400, "JSON object"),
    ({"json": {"label_config": "<View/>"}}, 400, "labelling config"),
    ({"json": {"tasks": {"id": 1}}}, 400, "a list of tasks"),
    ({"json": {}}, 400, "a list of tasks"),
    ({"json": {"tasks": [], "label_config": ["not", "xml"]}}, 400, "labelling config"),
    ({"content": json.dumps({"tasks": []}), "headers": {"Content-Type": "text/plain"}}, 415, "application/json"),
    ({"data": {"tasks": "x"}}, 415, "application/json"),  # a form post
    ({"content": b" " * (LIMIT + 1)}, 413, f"limit of {LIMIT} bytes"),
])
def test_malformed_predict_requests_get_a_4xx_with_a_reason(backend, request_kwargs, status, message):
    answer = httpx.post(f"{backend[0]}/predict", timeout=30, **request_kwargs)
    assert answer.status_code == status, answer.text
    assert message in answer.json()["error"]


def test_a_10_mb_body_is_refused_by_the_default_limit(backend):
    body = json.dumps({"tasks": [{"data": {"text": SENTENCE * 100}}] * 1000}).encode()
    assert len(body) > 10_000_000 > DEFAULT_MAX_BODY
    answer = httpx.post(f"{backend[1]}/predict", content=body, headers={"Content-Type": "application/json"},
                        timeout=30)
    assert answer.status_code == 413 and f"limit of {DEFAULT_MAX_BODY} bytes" in answer.json()["error"]
    assert httpx.get(f"{backend[1]}/health").status_code == 200  # still serving


@pytest.mark.parametrize("head, body, close_write, status, message", [
    (post_head("-1"), b"{}", False, 400, "not a number"),
    (post_head("12abc"), b"{}", False, 400, "not a number"),
    (post_head("X").replace(b"X", b"\xb2"), b"{}", False, 400, "not a number"),  # "²" passes str.isdigit
    (post_head(100), b'{"tasks": []', True, 400, "ended after 12 of 100 bytes"),
    (post_head(100), b"{", False, 408, f"within {TIMEOUT:g} s"),  # the client stops sending
    (b"POST /predict HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", b"2\r\n{}\r\n0\r\n\r\n", False,
     411, "Content-Length"),
    (post_head(10), b"{}", True, 400, "ended after"),
])
def test_broken_http_framing_gets_a_4xx_not_a_hang(backend, head, body, close_write, status, message):
    code, answer = raw_request(backend[0], head, body, close_write)
    assert code == status and message in answer["error"]


def test_a_batch_with_bad_tasks_predicts_the_good_ones_in_place(backend):
    config = LABEL_CONFIG.read_text(encoding="utf-8")
    good = {"id": 1, "data": {"text": SENTENCE}}
    odd = {"id": 6, "data": {"text": "\ud800\u200b\u3000e\u0301Ａ１，" + SENTENCE}}  # lone surrogate and friends
    tasks = [good, "not a task", {"id": 3, "data": {"text": 42}}, {"id": 4, "data": []}, {"id": 5}, odd,
             {"id": 7, "data": {"text": "政" * 1_000_001}}]
    body = json.dumps({"tasks": tasks, "label_config": config}, ensure_ascii=False).encode("utf-8", "surrogatepass")
    answer = httpx.post(f"{backend[1]}/predict", content=body, headers={"Content-Type": "application/json"},
                        timeout=120)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert len(body["results"]) == len(tasks)
    assert [(s["index"], s["reason"]) for s in body["skipped"]] == [
        (1, "task is not a JSON object"), (2, "data.text is not a string"), (3, "data is not a JSON object"),
        (4, "data is missing"), (6, "data.text is longer than 1000000 characters")]
    alone = httpx.post(f"{backend[1]}/predict", json={"tasks": [good]}, timeout=60).json()["results"][0]
    assert body["results"][0] == alone  # nothing valid next to a bad task is lost
    assert all(body["results"][s["index"]]["result"] == [] for s in body["skipped"])
    assert body["results"][5]["model_version"] == alone["model_version"]  # the odd text is predicted


def test_many_bad_requests_leave_the_server_healthy(backend):
    bodies = [b"{", b"[]", b'{"tasks": 1}', b"\x00" * 1000, json.dumps({"tasks": [{"data": {"text": SENTENCE}}]})]
    with httpx.Client(timeout=30) as client:
        statuses = [client.post(f"{backend[0]}/predict", content=body).status_code for body in bodies * 20]
    assert set(statuses) == {200, 400}
    assert statuses.count(200) == 20


def test_the_access_token_sent_to_setup_is_never_logged_or_echoed(backend, capfd):
    token = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
    config = LABEL_CONFIG.read_text(encoding="utf-8")
    answers = [
        httpx.post(f"{backend[0]}/setup", json={"project": "1.1", "schema": config, "access_token": token}),
        httpx.post(f"{backend[0]}/setup", content=f'{{"access_token": "{token}", broken'.encode()),
        httpx.post(f"{backend[0]}/setup", json={"schema": "<View/>", "access_token": token}),
        httpx.post(f"{backend[0]}/predict", json={"tasks": 1, "access_token": token}),
    ]
    assert [answer.status_code for answer in answers] == [200, 400, 400, 400]
    out, err = capfd.readouterr()
    assert '"POST /setup HTTP/1.1" 200' in err  # request lines are logged
    assert token not in out + err + "".join(answer.text for answer in answers)
