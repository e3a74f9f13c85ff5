"""What a content asset's file may be: its type recognised from its bytes (``filetype``),
never from its name alone, and its size under ``CONTENT_UPLOAD_MAX_BYTES``.

A renamed executable or archive called ``guide.pdf`` is refused; plain text and Markdown,
which carry no signature, are accepted when they decode as UTF-8 text. SVG and HTML are not
accepted: served from our own origin, they could carry scripts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat

# Recognised types, by MIME type, with the extensions a file of that type may be named with.
ACCEPTED_TYPES: dict[str, tuple[str, ...]] = {
    "application/pdf": ("pdf",),
    "application/msword": ("doc",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ("docx",),
    "application/vnd.ms-excel": ("xls",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ("xlsx",),
    "application/vnd.ms-powerpoint": ("ppt",),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ("pptx",),
    "application/vnd.oasis.opendocument.text": ("odt",),
    "application/vnd.oasis.opendocument.spreadsheet": ("ods",),
    "application/vnd.oasis.opendocument.presentation": ("odp",),
    "application/rtf": ("rtf",),
    "image/png": ("png",),
    "image/jpeg": ("jpg", "jpeg"),
    "image/gif": ("gif",),
    "image/webp": ("webp",),
}
TEXT_TYPES = {"txt": "text/plain", "md": "text/markdown", "markdown": "text/markdown"}
ACCEPTED_LABEL = (
    "PDF, Word, Excel, PowerPoint, OpenDocument, RTF, PNG, JPEG, GIF, WebP, text or Markdown"
)
# Enough of the file to recognise it (``filetype`` reads at most this much) and to check text.
HEAD_BYTES = 8192


@dataclass(frozen=True)
class CheckedFile:
    mime_type: str
    name: str
    size: int


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the end of the head is still text.
        return error.start >= len(head) - 3
    return True


def content_file_check(upload: UploadedFile) -> CheckedFile:
    """The checked type, name and size of an uploaded file, or a ``ValidationError`` on
    ``file`` that says what is wrong and what would be accepted."""
    name = PurePath(upload.name or "").name
    extension = PurePath(name).suffix.lower().lstrip(".")
    limit = settings.CONTENT_UPLOAD_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            {"file": f"{name} is {filesizeformat(upload.size)}; a file may be at most "
             f"{filesizeformat(limit)}. Link to a larger file instead."}
        )  # fmt: skip
    if upload.size == 0:
        raise ValidationError({"file": f"{name} is empty."})
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None and extension in TEXT_TYPES and _is_text(head):
        return CheckedFile(TEXT_TYPES[extension], name, upload.size)
    if kind is None or kind.mime not in ACCEPTED_TYPES:
        found = f"its content is {kind.mime}" if kind else "its content is of no type we accept"
        raise ValidationError({"file": f"{name} was refused: {found}. Accepted: {ACCEPTED_LABEL}."})
    if extension not in ACCEPTED_TYPES[kind.mime]:
        expected = " or ".join(f".{ext}" for ext in ACCEPTED_TYPES[kind.mime])
        raise ValidationError(
            {"file": f"{name} was refused: its content is {kind.mime}, which is named {expected}."}
        )
    return CheckedFile(kind.mime, name, upload.size)
