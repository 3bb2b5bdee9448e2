"""Request size limits, applied before a body is read.

Django refuses a form body over DATA_UPLOAD_MAX_MEMORY_SIZE, but not the files of a multipart upload:
a 50 MB file was streamed to disk in full and only then refused by the attachment service. Here:

- `RequestSizeLimitMiddleware` answers 413 to a request that announces (Content-Length) a body larger
  than the largest attachment plus room for the form around it, before anything reads it;
- `LimitedUploadHandler` (first in FILE_UPLOAD_HANDLERS) stops a body that did not announce its size
  (chunked) once it passes the same limit: the connection is reset, nothing is kept.

gunicorn itself has no body limit; the proxy in front should refuse earlier still (nginx's
`client_max_body_size`, README "Deploying")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

# What a form around an attachment may add (the other fields, the multipart boundaries).
FORM_ROOM = 256 * 1024


def request_limit() -> int:
    return int(settings.ATTACHMENT_MAX_BYTES) + FORM_ROOM


class RequestSizeLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > request_limit():
            return too_large(request)
        return self.get_response(request)


def too_large(request: HttpRequest) -> HttpResponse:
    megabytes = int(settings.ATTACHMENT_MAX_BYTES) // (1024 * 1024)
    message = _("The request is too large: files may be at most %(mb)s MB.") % {"mb": megabytes}
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse({"code": "request_too_large", "message": message, "fields": {}}, status=413)
    else:
        response = render(request, "413.html", {"message": message}, status=413)
    # The body was not read: the client must not send another request on this connection after it.
    response["Connection"] = "close"
    return response


class LimitedUploadHandler(FileUploadHandler):
    """Counts the bytes of every file of one request and stops the upload past the limit."""

    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > request_limit():
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None
