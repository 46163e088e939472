"""Evidence: pictures lose their EXIF, GPS and text metadata before storage; each file keeps its SHA-256."""

from __future__ import annotations

import hashlib
import io

import pytest
from PIL import Image, PngImagePlugin

from bot.core import Core
from bot.reports import Attachment, ReportError
from bot.reports.domain import PicturesRefused
from bot.reports.evidence import strip_metadata
from bot.reports.models import AttachmentRow
from tests.reports.conftest import actor


def phone_photo() -> bytes:
    """A JPEG as a phone makes it: camera make, GPS position, and a 'rotate 90' orientation tag."""
    image = Image.new("RGB", (40, 20), (200, 10, 10))
    exif = Image.Exif()
    exif[0x010F] = "CanaryPhoneMaker"
    exif[0x0112] = 6  # rotate 90 degrees clockwise to view
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (51.0, 30.0, 12.5)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def iphone_photo_as_file() -> bytes:
    """What an iPhone sends "as a file": HEIC, with the camera's make, a GPS position and an orientation tag."""
    from pillow_heif import register_heif_opener

    register_heif_opener()  # to write one here: the bot loads it only with the first picture it is sent
    image = Image.new("RGB", (40, 20), (200, 10, 10))
    exif = Image.Exif()
    exif[0x010F] = "CanaryPhoneMaker"
    exif[0x0112] = 6
    exif.get_ifd(0x8825)[1] = "N"
    out = io.BytesIO()
    image.save(out, "HEIF", exif=exif.tobytes())
    return out.getvalue()


def annotated_png() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "CanaryAuthorName")
    out = io.BytesIO()
    Image.new("RGBA", (8, 8), (0, 0, 255, 128)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def test_exif_and_gps_are_stripped_and_the_picture_kept_upright() -> None:
    original = phone_photo()
    assert b"CanaryPhoneMaker" in original
    clean = strip_metadata(Attachment("IMG_2041 at Grandma's.jpg", "image/jpeg", original), 1)
    assert b"CanaryPhoneMaker" not in clean.data
    with Image.open(io.BytesIO(clean.data)) as image:
        assert dict(image.getexif()) == {}
        assert image.size == (20, 40)  # the orientation was applied to the pixels, then the tag dropped
    assert clean.filename == "evidence-1.jpg"  # never the sender's file name
    assert clean.sha256 == hashlib.sha256(clean.data).hexdigest()


def test_an_iphone_heic_photo_is_kept_as_a_clean_jpeg() -> None:
    original = iphone_photo_as_file()
    assert original[4:12] == b"ftypheic" and b"CanaryPhoneMaker" in original
    clean = strip_metadata(Attachment("IMG_0042.HEIC", "image/heic", original), 3)
    assert b"CanaryPhoneMaker" not in clean.data and clean.filename == "evidence-3.jpg"
    with Image.open(io.BytesIO(clean.data)) as image:
        assert image.format == "JPEG" and dict(image.getexif()) == {}
        assert image.size == (20, 40)  # upright, as the phone showed it


def test_png_text_chunks_are_stripped() -> None:
    clean = strip_metadata(Attachment("x.png", "image/png", annotated_png()), 2)
    assert b"CanaryAuthorName" not in clean.data and clean.filename == "evidence-2.png"


def test_evidence_is_stored_encrypted_with_its_hash_and_opened_by_a_dsl(core: Core) -> None:
    receipt = core.reports.submit(
        "online_abuse",
        "Screenshots of the messages.",
        channel="telegram",
        attachments=[
            Attachment("a.jpg", "image/jpeg", phone_photo()),
            Attachment("b.png", "image/png", annotated_png()),
        ],
    )
    dana = actor(core, "Dana Lead")
    name, content_type, data = core.reports.attachment(receipt.reference, dana, 1)
    assert (name, content_type) == ("evidence-1.jpg", "image/jpeg")
    with core.db.session() as session:
        rows = session.query(AttachmentRow).order_by(AttachmentRow.id).all()
        assert [r.sha256 for r in rows][0] == hashlib.sha256(data).hexdigest()
        assert all(b"\xff\xd8" not in r.data[:4] and b"PNG" not in r.data[:8] for r in rows)  # encrypted
    view = core.reports.case(receipt.reference, dana)
    assert [a.filename for a in view.attachments] == ["evidence-1.jpg", "evidence-2.png"]
    assert any(e.action == "evidence added" and rows[0].sha256 in (e.detail or "") for e in view.events)
    export = core.reports.export(receipt.reference, dana)
    assert export.count("(matches)") == 2 and "Evidence: 2 pictures, their metadata removed on arrival:" in export
    # A later picture from the sender is numbered on.
    core.reports.sender_reply(
        receipt.code, "", requester="r", attachments=[Attachment("c.jpg", "image/jpeg", phone_photo())]
    )
    assert core.reports.attachment(receipt.reference, dana, 3)[0] == "evidence-3.jpg"


def test_too_many_files_are_refused(core: Core) -> None:
    photo = Attachment("a.jpg", "image/jpeg", phone_photo())
    with pytest.raises(ReportError, match="at most 10"):
        core.reports.submit("other", "Lots of pictures.", channel="console", attachments=[photo] * 11)


def test_pictures_that_cannot_be_kept_are_named_by_place_and_nothing_is_stored(core: Core) -> None:
    good = Attachment("a.jpg", "image/jpeg", phone_photo())
    bad = Attachment("b.gif", "image/gif", b"GIF89a not really a picture")
    with pytest.raises(PicturesRefused) as refused:
        core.reports.submit("other", "Three pictures.", channel="console", attachments=[good, bad, good, bad])
    assert refused.value.numbers == (2, 4) and "picture" in str(refused.value).lower()
    assert core.reports.refused_pictures([good, bad, good, bad]) == (2, 4)  # found without sending the report
    assert core.reports.refused_pictures([good]) == ()
    with core.db.session() as session:
        assert session.query(AttachmentRow).count() == 0
