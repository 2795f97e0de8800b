"""Media classification and metadata (domain/media.py) and derived files (store/derived.py), on
real photos made with Pillow and real clips made with ffmpeg."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image, TiffImagePlugin

from inspector_app.domain import media
from inspector_app.domain.messages import InspectorError
from inspector_app.store import derived
from inspector_app.store.vault import Vault

KEY = bytes(range(32))
needs_ffmpeg = pytest.mark.skipif(not (shutil.which("ffmpeg") and shutil.which("ffprobe")),
                                  reason="ffmpeg/ffprobe not installed")


@pytest.fixture
def vault(tmp_path) -> Vault:
    return Vault(tmp_path / "data" / "vault", KEY, chunk_size=4096)


def _code(excinfo) -> str:
    return excinfo.value.code


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True, timeout=60)


def _clip(path: Path, *extra: str, duration: float = 2, faststart: bool = False) -> Path:
    args = ["-f", "lavfi", "-i", f"testsrc=duration={duration}:size=320x240:rate=10", "-c:v", "mpeg4", *extra]
    if faststart:
        args += ["-movflags", "+faststart"]
    ffmpeg(*args, str(path))
    return path


def _exif_photo(path: Path, size=(400, 200), orientation: int | None = None, when: str | None = None,
                offset: str | None = None, gps: bool = False) -> Path:
    """A JPEG whose top row is red and left column blue, so orientation can be checked by pixels."""
    img = Image.new("RGB", size, (255, 255, 255))
    w, h = size
    img.paste((255, 0, 0), (0, 0, w, h // 8))  # top band: red
    img.paste((0, 0, 255), (0, h // 8, w // 8, h))  # left band: blue
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    if when:
        exif.get_ifd(0x8769)[0x9003] = when
        if offset:
            exif.get_ifd(0x8769)[0x9011] = offset
    if gps:
        R = TiffImagePlugin.IFDRational
        exif.get_ifd(0x8825).update({
            1: "N", 2: (R(31, 1), R(13, 1), R(495, 10)),
            3: "E", 4: (R(121, 1), R(28, 1), R(252, 10)),
            5: 0, 6: R(125, 10),
        })
    img.save(path, "JPEG", exif=exif, quality=95)
    return path


# -- sniffing -------------------------------------------------------------------------------------

def test_sniffing_uses_magic_bytes_not_the_extension(tmp_path):
    png_named_jpg = tmp_path / "photo.jpg"
    Image.new("RGB", (8, 8)).save(png_named_jpg, "PNG")
    text_named_jpg = tmp_path / "IMG_0001.JPG"
    text_named_jpg.write_text("not a photo at all, just a note")
    jpeg_named_txt = tmp_path / "notes.txt"
    Image.new("RGB", (8, 8)).save(jpeg_named_txt, "JPEG")
    assert media.probe(png_named_jpg).media_type == "image/png"
    assert media.probe(jpeg_named_txt).media_type == "image/jpeg"
    with pytest.raises(InspectorError) as e:
        media.probe(text_named_jpg)
    assert _code(e) == "evidence.not_media" and "IMG_0001.JPG" in str(e.value)


@pytest.mark.parametrize("head, expected", [
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", ("image/jpeg", "photo")),
    (b"\x89PNG\r\n\x1a\n\x00\x00", ("image/png", "photo")),
    (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", ("image/heic", "photo")),
    (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41", ("video/mp4", "video")),
    (b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  ", ("video/quicktime", "video")),
    (b"\x00\x00\x00\x1cftypM4A \x00\x00\x00\x00M4A mp42isom", ("audio/mp4", "audio")),
    (b"\x00\x00\x00\x08wide\x00\x00\x10\x00mdat", ("video/quicktime", "video")),
    (b"RIFF\x00\x10\x00\x00AVI LIST", ("video/x-msvideo", "video")),
    (b"RIFF\x00\x10\x00\x00WAVEfmt ", ("audio/wav", "audio")),
    (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x88matroska", ("video/x-matroska", "video")),
    (b"ID3\x04\x00\x00\x00\x00\x00\x00", ("audio/mpeg", "audio")),
    (b"\xff\xfb\x90\x64\x00", ("audio/mpeg", "audio")),
    (b"\xff\xf1\x50\x80\x00", ("audio/aac", "audio")),
    (b"#!AMR\n", ("audio/amr", "audio")),
    (b"%PDF-1.7\n", None),
    (b"PK\x03\x04", None),
    (b"RIFF\x00\x10\x00\x00WEBPVP8 ", None),
    (b"\xff\xff\xff\xff", None),
    (b"", None),
])
def test_sniff(head, expected):
    assert media.sniff(head) == expected


# -- photos ---------------------------------------------------------------------------------------

def test_exif_time_and_gps_are_exact_strings(tmp_path):
    photo = _exif_photo(tmp_path / "p.jpg", when="2024:05:01 10:20:30", offset="+08:00", gps=True)
    info = media.probe(photo)
    assert info.media_type == "image/jpeg" and info.kind == "photo"
    assert info.size == photo.stat().st_size
    assert info.file_time == "2024-05-01T10:20:30+08:00"
    # 31°13'49.5" N, 121°28'25.2" E: exact decimal strings, not floats
    assert info.gps == {"lat": "31.2304167", "lon": "121.4736667", "alt": "12.50"}
    assert (info.width, info.height) == (400, 200)


def test_photo_without_exif_has_no_time_or_place(tmp_path):
    path = tmp_path / "plain.png"
    Image.new("RGB", (30, 20)).save(path)
    info = media.probe(path)
    assert (info.file_time, info.gps, info.width, info.height) == (None, None, 30, 20)


def test_an_unset_camera_clock_gives_no_time(tmp_path):
    photo = _exif_photo(tmp_path / "p.jpg", when="0000:00:00 00:00:00")
    assert media.probe(photo).file_time is None


def test_rotated_photo_reports_displayed_size(tmp_path):
    info = media.probe(_exif_photo(tmp_path / "r.jpg", orientation=6))
    assert (info.width, info.height) == (200, 400)


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_a_corrupt_jpeg_is_refused_naming_the_file(tmp_path, damage):
    good = _exif_photo(tmp_path / "good.jpg", size=(640, 480))
    data = good.read_bytes()
    bad = tmp_path / "IMG_0042.jpg"
    if damage == "truncated":
        bad.write_bytes(data[:len(data) // 3])
    else:
        bad.write_bytes(data[:20] + os.urandom(2000))
    with pytest.raises(InspectorError) as e:
        media.probe(bad)
    assert _code(e) == "evidence.corrupt" and "IMG_0042.jpg" in str(e.value)


def test_zero_byte_missing_and_folder(tmp_path):
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    with pytest.raises(InspectorError) as e:
        media.probe(empty)
    assert _code(e) == "evidence.empty"
    with pytest.raises(InspectorError) as e:
        media.probe(tmp_path / "vanished.mp4")
    assert _code(e) == "evidence.missing"
    with pytest.raises(InspectorError) as e:
        media.probe(tmp_path)
    assert _code(e) == "evidence.not_a_file"


# -- video and audio ------------------------------------------------------------------------------

@needs_ffmpeg
def test_video_metadata_from_ffprobe(tmp_path):
    clip = _clip(tmp_path / "clip.mp4", "-metadata", "creation_time=2024-05-01T02:20:30Z")
    info = media.probe(clip)
    assert (info.media_type, info.kind) == ("video/mp4", "video")
    assert info.duration_s == "2.000000"
    assert info.file_time.startswith("2024-05-01T02:20:30")
    assert (info.width, info.height, info.codec) == (320, 240, "mpeg4")


@needs_ffmpeg
@pytest.mark.parametrize("name, mime", [("c.avi", "video/x-msvideo"), ("c.mkv", "video/x-matroska"),
                                        ("c.mov", "video/quicktime")])
def test_body_cam_containers(tmp_path, name, mime):
    info = media.probe(_clip(tmp_path / name))
    assert info.media_type == mime and info.kind == "video" and info.duration_s


@needs_ffmpeg
@pytest.mark.parametrize("name, codec, mime", [("a.wav", "pcm_s16le", "audio/wav"), ("a.mp3", "libmp3lame", "audio/mpeg"),
                                               ("a.m4a", "aac", "audio/mp4")])
def test_audio(tmp_path, name, codec, mime):
    path = tmp_path / name
    try:
        ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-c:a", codec, str(path))
    except subprocess.CalledProcessError:
        pytest.skip(f"this ffmpeg cannot encode {codec}")
    info = media.probe(path)
    assert (info.media_type, info.kind) == (mime, "audio")
    assert info.duration_s and abs(float(info.duration_s) - 1.0) < 0.1


@needs_ffmpeg
def test_without_ffprobe_video_fields_are_empty_not_an_error(tmp_path, monkeypatch):
    clip = _clip(tmp_path / "clip.mp4")
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools-here"))
    info = media.probe(clip)
    assert (info.media_type, info.kind, info.size) == ("video/mp4", "video", clip.stat().st_size)
    assert (info.duration_s, info.file_time, info.width) == (None, None, None)


@needs_ffmpeg
def test_a_cut_off_recording_is_still_evidence(tmp_path):
    """A body cam that lost power leaves an MP4 without its index: kept, just undescribed."""
    clip = _clip(tmp_path / "clip.mp4")
    cut = tmp_path / "CUT0001.MP4"
    cut.write_bytes(clip.read_bytes()[:len(clip.read_bytes()) // 2])
    info = media.probe(cut)
    assert info.kind == "video" and info.size == cut.stat().st_size


# -- thumbnails -----------------------------------------------------------------------------------

def _pixel_is(img: Image.Image, xy, rgb, tol=60) -> bool:
    return all(abs(a - b) <= tol for a, b in zip(img.convert("RGB").getpixel(xy), rgb))


def _open_derived(vault: Vault, d: derived.Derived) -> Image.Image:
    with vault.open(d.sha256) as r:
        from io import BytesIO

        return Image.open(BytesIO(r.read()))


def test_thumbnail_of_an_exif_rotated_photo_is_upright(vault, tmp_path):
    photo = _exif_photo(tmp_path / "rotated.jpg", size=(800, 400), orientation=6)
    original = vault.import_file(photo)[0].sha256
    thumb = derived.thumbnail(vault, original)
    assert (thumb.width, thumb.height) == (160, 320)  # 800x400 stored, 400x800 shown, fits 320
    assert (thumb.kind, thumb.derived_from, thumb.media_type) == ("thumbnail", original, "image/jpeg")
    img = _open_derived(vault, thumb)
    assert img.size == (160, 320)
    # Orientation 6 turns the picture 90° clockwise: the red top band is now on the right
    # and the blue left band along the top.
    assert _pixel_is(img, (155, 200), (255, 0, 0))
    assert _pixel_is(img, (60, 3), (0, 0, 255))
    assert _pixel_is(img, (5, 200), (255, 255, 255))
    assert derived.get_derived(vault, thumb.sha256) == thumb
    assert derived.get_derived(vault, original) is None
    assert vault.verify(original) == photo.stat().st_size  # the original is untouched
    with vault.open(original) as r:
        assert r.read() == photo.read_bytes()


def test_thumbnail_never_enlarges_and_keeps_png_transparency_readable(vault, tmp_path):
    path = tmp_path / "small.png"
    Image.new("RGBA", (40, 30), (0, 0, 0, 0)).save(path)
    thumb = derived.thumbnail(vault, vault.import_file(path)[0].sha256)
    assert (thumb.width, thumb.height) == (40, 30)
    assert _pixel_is(_open_derived(vault, thumb), (5, 5), (255, 255, 255))


@needs_ffmpeg
@pytest.mark.parametrize("how", ["index-at-end", "faststart", "avi"])
def test_video_thumbnail_and_duration(vault, tmp_path, how):
    if how == "avi":
        clip = _clip(tmp_path / "clip.avi")
    else:
        clip = _clip(tmp_path / "clip.mp4", faststart=how == "faststart")
    original = vault.import_file(clip)[0].sha256
    thumb = derived.thumbnail(vault, original)
    assert (thumb.width, thumb.height) == (320, 240)
    assert thumb.duration_s is not None and abs(float(thumb.duration_s) - 2.0) < 0.05
    assert (thumb.kind, thumb.derived_from) == ("thumbnail", original)
    img = _open_derived(vault, thumb)
    assert img.format == "JPEG" and img.size == (320, 240)
    assert derived.get_derived(vault, thumb.sha256).duration_s == thumb.duration_s


@needs_ffmpeg
def test_a_clip_shorter_than_the_seek_point_still_gets_a_thumbnail(vault, tmp_path):
    clip = _clip(tmp_path / "short.mp4", duration=0.3)
    thumb = derived.thumbnail(vault, vault.import_file(clip)[0].sha256)
    assert (thumb.width, thumb.height) == (320, 240)


@needs_ffmpeg
def test_two_videos_with_the_same_first_frame_get_their_own_thumbnails(vault, tmp_path):
    a = vault.import_file(_clip(tmp_path / "a.mp4"))[0].sha256
    b = vault.import_file(_clip(tmp_path / "b.mp4", faststart=True))[0].sha256  # same frames, other bytes
    ta, tb = derived.thumbnail(vault, a), derived.thumbnail(vault, b)
    assert ta.sha256 != tb.sha256
    assert derived.get_derived(vault, ta.sha256).derived_from == a
    assert derived.get_derived(vault, tb.sha256).derived_from == b


@needs_ffmpeg
def test_a_damaged_video_gives_the_vault_error_not_a_wrong_frame(vault, tmp_path):
    clip = _clip(tmp_path / "clip.mp4", faststart=True)
    sha = vault.import_file(clip)[0].sha256
    path = vault.object_path(sha)
    blob = bytearray(path.read_bytes())
    blob[200] ^= 1  # inside the first chunk
    path.write_bytes(blob)
    with pytest.raises(InspectorError) as e:
        derived.thumbnail(vault, sha)
    assert _code(e) == "vault.tampered"


def test_video_thumbnail_without_ffmpeg(vault, tmp_path, monkeypatch):
    if not shutil.which("ffmpeg"):
        pytest.skip("needs ffmpeg to make the clip")
    sha = vault.import_file(_clip(tmp_path / "c.mp4"))[0].sha256
    monkeypatch.setenv("PATH", str(tmp_path / "nothing"))
    with pytest.raises(InspectorError) as e:
        derived.thumbnail(vault, sha)
    assert _code(e) == "derived.no_ffmpeg"


# -- annotated copies -----------------------------------------------------------------------------

def test_annotated_copy_draws_on_an_upright_copy_and_points_to_its_original(vault, tmp_path):
    photo = _exif_photo(tmp_path / "scene.jpg", size=(400, 200), orientation=6)
    original = vault.import_file(photo)[0].sha256
    shapes = [
        {"type": "box", "rect": [20, 150, 180, 300], "color": "#00ff00", "width": 6},
        {"type": "arrow", "start": [10, 390], "end": [100, 320], "color": "yellow"},
        {"type": "text", "at": [30, 330], "text": "消防通道堵塞", "size": 28, "color": "#ff00ff"},
        derived.Arrow((150, 10), (100, 60)),
    ]
    copy = derived.annotate(vault, original, shapes)
    assert (copy.kind, copy.derived_from, copy.media_type) == ("annotated", original, "image/jpeg")
    assert (copy.width, copy.height) == (200, 400)
    img = _open_derived(vault, copy)
    assert img.size == (200, 400)
    assert _pixel_is(img, (20, 225), (0, 255, 0))  # the box's left edge
    assert _pixel_is(img, (100, 225), (255, 255, 255))  # inside the box: untouched
    meta = vault.get_meta(copy.sha256)
    assert meta["derived_from"] == original and len(meta["shapes"]) == 4
    assert meta["shapes"][2]["text"] == "消防通道堵塞"
    with vault.open(original) as r:
        assert r.read() == photo.read_bytes()
    # drawing the same again gives the same copy; a copy of the copy still points to the original
    assert derived.annotate(vault, original, shapes).sha256 == copy.sha256
    again = derived.annotate(vault, copy.sha256, [{"type": "text", "at": [0, 0], "text": "复查"}])
    assert again.derived_from == original


def test_cjk_text_is_drawn_with_a_cjk_font(vault, tmp_path):
    if not derived.CJK_FONT.is_file():
        pytest.skip("fonts-wqy-microhei not installed")
    path = tmp_path / "white.png"
    Image.new("RGB", (200, 80), (255, 255, 255)).save(path)
    sha = vault.import_file(path)[0].sha256
    copy = derived.annotate(vault, sha, [{"type": "text", "at": [10, 10], "text": "危险", "size": 40,
                                         "color": "#000000"}])
    assert copy.media_type == "image/png"
    img = _open_derived(vault, copy).convert("L")
    dark = sum(1 for x in range(10, 110) for y in range(10, 60) if img.getpixel((x, y)) < 100)
    assert dark > 200  # real glyphs, not the empty boxes of a Latin-only font


@pytest.mark.parametrize("shape, fragment", [
    ({"type": "circle"}, "type"),
    ({"type": "arrow", "start": [0, 0]}, "end"),
    ({"type": "box", "rect": [0, 0, "x", 1]}, "rect"),
    ({"type": "box", "rect": [0, 0, 1, float("nan")]}, "rect"),
    ({"type": "text", "at": [0, 0], "text": "  "}, "text"),
    ({"type": "box", "rect": [0, 0, 5, 5], "color": "not-a-colour"}, "colour"),
    ({"type": "box", "rect": [0, 0, 5, 5], "width": 0}, "width"),
])
def test_bad_shapes_are_refused(vault, tmp_path, shape, fragment):
    path = tmp_path / "p.png"
    Image.new("RGB", (20, 20)).save(path)
    sha = vault.import_file(path)[0].sha256
    with pytest.raises(InspectorError) as e:
        derived.annotate(vault, sha, [{"type": "box", "rect": [1, 1, 2, 2]}, shape])
    assert _code(e) == "derived.bad_shape" and e.value.params["index"] == 2 and fragment in e.value.params["reason"]
    with pytest.raises(InspectorError) as e:
        derived.annotate(vault, sha, [])
    assert _code(e) == "derived.no_shapes"


@needs_ffmpeg
def test_only_photos_can_be_annotated(vault, tmp_path):
    sha = vault.import_file(_clip(tmp_path / "c.mp4"))[0].sha256
    with pytest.raises(InspectorError) as e:
        derived.annotate(vault, sha, [{"type": "box", "rect": [1, 1, 2, 2]}])
    assert _code(e) == "derived.cannot_annotate"


def test_heic_is_kept_even_where_pillow_cannot_decode_it(vault, tmp_path):
    from PIL import features

    path = tmp_path / "IMG_1234.HEIC"
    path.write_bytes(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + os.urandom(2000))
    if "heif" in (features.get_supported_modules() + features.get_supported_codecs()):
        pytest.skip("this Pillow decodes HEIF: the fake file would be refused as corrupt")
    try:
        import pillow_heif  # noqa: F401
        pytest.skip("pillow-heif installed: the fake file would be refused as corrupt")
    except ImportError:
        pass
    info = media.probe(path)
    assert (info.media_type, info.kind, info.width) == ("image/heic", "photo", None)
    sha = vault.import_file(path)[0].sha256
    with pytest.raises(InspectorError) as e:
        derived.thumbnail(vault, sha)
    assert _code(e) == "derived.no_thumbnail"
