"""Files attached to a ticket, within the size and type limits (SPEC §4)."""

from __future__ import annotations

import codecs
from typing import Any, cast

import structlog
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

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


def attachment_check(upload: UploadedFile) -> tuple[str, str]:
    """The file's name and content type if it is within the size and type limits (SPEC §4), else an
    InvalidInput on "file". The type is judged by the name's extension and the file's own first bytes;
    text files must be UTF-8 without NUL. Nothing is written."""
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
    elif valid:
        try:
            # Incremental decoding tolerates a character cut in two at the end of the sample.
            codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
            valid = b"\x00" not in head
        except UnicodeDecodeError:
            valid = False
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
