"""Files attached to a ticket, within the size and type limits (SPEC §4)."""

from __future__ import annotations

from typing import Any, cast

import pypdfium2  # PDFium is not thread-safe: one request at a time per process (gunicorn's sync workers)
import structlog
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image

from helpdesk.lib.cleaning import (
    clean_text,
)
from helpdesk.lib.errors import InvalidInput
from tickets.models import (
    Attachment,
    Ticket,
    TicketMessage,
)
from tickets.services.actors import Via, recorded_as

log = structlog.get_logger(__name__)


# Leading bytes of the binary types we accept: a file must be what its name says.
_SIGNATURES = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
}
_IMAGE_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG"}


def _content_is(content_type: str, upload: UploadedFile) -> bool:
    """Whether the whole file is what its type says, read by the libraries made to read it — not only
    its first bytes (a `%PDF-` line followed by a web page is no PDF): PDFium must open the PDF and find a
    page in it, Pillow must identify and verify the image, a text file must be UTF-8 throughout without
    NUL."""
    upload.seek(0)
    try:
        if content_type == "application/pdf":
            try:
                document = pypdfium2.PdfDocument(upload.read())
            except pypdfium2.PdfiumError:
                return False
            try:
                return len(document) > 0
            finally:
                document.close()
        if content_type in _IMAGE_FORMATS:
            try:
                with Image.open(upload) as image:
                    if image.format != _IMAGE_FORMATS[content_type]:
                        return False
                    image.verify()
            except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
                return False
            return True
        data = upload.read()
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return b"\x00" not in data
    finally:
        upload.seek(0)


def attachment_check(upload: UploadedFile) -> tuple[str, str]:
    """The file's name and content type if it is within the size and type limits (SPEC §4), else an
    InvalidInput on "file". The type is judged by the name's extension, the file's own first bytes and
    then its whole content (`_content_is`). Nothing is written."""
    limit = settings.ATTACHMENT_MAX_BYTES
    name = clean_text(upload.name or "", field="file", max_length=200)
    if upload.size is None or upload.size > limit:
        message = _("The file is larger than %(mb)s MB.") % {"mb": limit // (1024 * 1024)}
        raise InvalidInput(message, fields={"file": [message]}, code="file_too_large")
    if upload.size == 0:
        raise InvalidInput(_("The file is empty."), fields={"file": [_("The file is empty.")]})
    extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    content_type = next(
        (ctype for ctype, exts in settings.HELPDESK["ATTACHMENT_ALLOWED_TYPES"].items() if extension in exts),
        None,
    )
    head = upload.read(2048)
    upload.seek(0)
    valid = content_type is not None
    if valid and content_type in _SIGNATURES:
        valid = head.startswith(_SIGNATURES[content_type])
    valid = valid and _content_is(str(content_type), upload)
    if not valid or content_type is None:
        allowed = ", ".join(
            ext for exts in settings.HELPDESK["ATTACHMENT_ALLOWED_TYPES"].values() for ext in exts
        )
        message = _("This type of file is not accepted. Accepted: %(allowed)s.") % {"allowed": allowed}
        raise InvalidInput(message, fields={"file": [message]}, code="file_type_refused")
    return name, content_type


def attachment_add(
    *,
    ticket: Ticket,
    actor: AbstractBaseUser | None,
    upload: UploadedFile,
    is_public: bool = True,
    message: TicketMessage | None = None,
    via: str = Via.STAFF,
) -> Attachment:
    """Attach a file within the size and type limits (attachment_check), to the ticket and, if given, to
    the message it came with."""
    name, content_type = attachment_check(upload)
    safe_name = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in name)[-120:]
    # savepoint=False: inside a caller's transaction (a customer's message with its files) all or nothing.
    with transaction.atomic(savepoint=False), recorded_as(actor, via, action="attach"):
        attachment = Attachment(
            ticket=ticket,
            message=message,
            original_name=name,
            content_type=content_type,
            size=upload.size or 0,  # attachment_check refused a file of unknown size
            is_public=is_public,
            uploaded_by=cast(Any, actor) if getattr(actor, "pk", None) else None,
        )
        attachment.file.save(safe_name, upload, save=False)
        attachment.save()
    return attachment
