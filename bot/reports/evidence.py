"""Evidence from a sender: images only, re-encoded from their pixels so no metadata survives.

A phone photo carries its GPS position, the phone's make and serial, and times in EXIF, XMP and IPTC blocks;
copying only the pixels into a fresh image drops all of them. The SHA-256 is of the file we store.
"""

from __future__ import annotations

import functools
import hashlib
import io
from dataclasses import dataclass

from bot.reports.domain import Attachment, ReportError

MAX_FILE_BYTES = 15 * 1024 * 1024
MAX_FILES = 10
MAX_PIXELS = 50_000_000
# Pillow format -> (stored format, content type, extension)
FORMATS = {
    "JPEG": ("JPEG", "image/jpeg", "jpg"),
    "MPO": ("JPEG", "image/jpeg", "jpg"),
    "PNG": ("PNG", "image/png", "png"),
    "GIF": ("PNG", "image/png", "png"),
    "WEBP": ("PNG", "image/png", "png"),
    "BMP": ("PNG", "image/png", "png"),
    "TIFF": ("PNG", "image/png", "png"),
    "HEIF": ("JPEG", "image/jpeg", "jpg"),
}


@functools.cache
def _open_heic() -> None:
    """iPhones take HEIC photos; sent "as a file" (to keep the quality) they arrive as HEIC, not JPEG."""
    from pillow_heif import register_heif_opener

    register_heif_opener()


@dataclass(frozen=True)
class CleanFile:
    filename: str
    content_type: str
    data: bytes
    sha256: str


def strip_metadata(attachment: Attachment, number: int) -> CleanFile:
    """A clean copy of an image, named neutrally ("evidence-1.jpg"): the sender's file name may identify them."""
    # Pillow and its HEIC plugin (7 MB) are loaded with the first picture, not in every `policybot run`.
    from PIL import Image, ImageOps, UnidentifiedImageError

    _open_heic()
    if len(attachment.data) > MAX_FILE_BYTES:
        raise ReportError(
            f"That file is too large (the limit is {MAX_FILE_BYTES // (1024 * 1024)} MB). "
            "Please send a smaller photo or a screenshot."
        )
    try:
        with Image.open(io.BytesIO(attachment.data)) as source:
            if source.width * source.height > MAX_PIXELS:
                raise ReportError("That picture is too large. Please send a smaller photo or a screenshot.")
            kind = source.format or ""
            if kind not in FORMATS:
                raise UnidentifiedImageError(kind)
            source.seek(0)  # first frame only: an animation's later frames are not kept
            upright = ImageOps.exif_transpose(source)  # keep the picture the right way up, then lose the tag
            image = upright if upright is not None else source
            image.load()
            if image.mode not in ("RGB", "RGBA", "L", "LA"):
                image = image.convert("RGBA" if "A" in image.getbands() or "transparency" in image.info else "RGB")
            stored, content_type, extension = FORMATS[kind]
            if stored == "JPEG" and image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            clean = Image.frombytes(image.mode, image.size, image.tobytes())  # pixels only, no info at all
    except ReportError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ReportError(
            "I can only keep photos and screenshots (JPEG, PNG, HEIC, GIF or WebP), and this file is not one. "
            "Please send a picture, or describe what you saw in words."
        ) from exc
    out = io.BytesIO()
    if stored == "JPEG":
        clean.save(out, format="JPEG", quality=90)
    else:
        clean.save(out, format="PNG")
    data = out.getvalue()
    return CleanFile(
        filename=f"evidence-{number}.{extension}",
        content_type=content_type,
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
    )
