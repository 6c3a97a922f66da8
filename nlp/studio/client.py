"""Connecting to Label Studio through ``label-studio-sdk``, with one-line errors.

The URL and token come from ``LABEL_STUDIO_URL`` and ``LABEL_STUDIO_API_KEY`` (or are
passed explicitly). Tokens are never printed: errors name the URL only.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import httpx
from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError

LABEL_CONFIG = Path(__file__).resolve().parents[2] / "annotations" / "labeling-config.xml"
T = TypeVar("T")


class StudioError(RuntimeError):
    """Label Studio cannot do what was asked; the message is one line for the user."""


def connect(url: str | None = None, api_key: str | None = None, timeout: float = 60.0) -> LabelStudio:
    """A client for ``url``; checks that the server answers and the token is accepted."""
    url = (url or os.environ.get("LABEL_STUDIO_URL") or "http://localhost:8080").rstrip("/")
    api_key = api_key or os.environ.get("LABEL_STUDIO_API_KEY")
    if not api_key:
        raise StudioError("No Label Studio token: set LABEL_STUDIO_API_KEY (or pass --api-key).")
    client = LabelStudio(base_url=url, api_key=api_key, timeout=timeout)
    call(lambda: client.users.whoami(request_options={"max_retries": 0}), url, what="connect")
    return client


def call(action: Callable[[], T], url: str = "", what: str = "request", retries: int = 3,
         before_retry: Callable[[], None] | None = None) -> T:
    """Run an SDK call, retrying transient failures with backoff; raise :class:`StudioError`.

    ``before_retry`` runs before each retry: a call that changes data uses it to find out what
    the failed attempt did, since the server may have done it before the connection broke.
    """
    for attempt in range(retries + 1):
        if attempt and before_retry is not None:
            before_retry()
        try:
            return action()
        except ApiError as error:
            if error.status_code in (401, 403):
                raise StudioError(f"Label Studio at {url} rejected the token ({error.status_code}).") from None
            if error.status_code == 404:
                raise StudioError(f"Label Studio at {url}: not found during {what} (wrong project id?).") from None
            if error.status_code is not None and error.status_code < 500 or attempt == retries:
                raise StudioError(f"Label Studio at {url}: {what} failed with HTTP {error.status_code}.") from None
        except (httpx.ConnectError, httpx.ConnectTimeout) as error:
            if attempt == retries:
                raise StudioError(f"Label Studio is not reachable at {url} ({type(error).__name__}).") from None
        except httpx.TransportError as error:
            if attempt == retries:
                raise StudioError(f"Label Studio at {url}: {what} failed ({type(error).__name__}).") from None
        time.sleep(0.5 * 2**attempt)
    raise AssertionError("unreachable")
