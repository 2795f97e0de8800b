"""Which container and codecs to record with, asked of QtMultimedia rather than assumed.

Qt's FFmpeg backend as shipped in the PySide6 wheels has no software H.264 encoder, so the first
choice that is actually available wins: H.264 or HEVC in MP4 where a platform encoder exists, else
MPEG-4 Part 2 in MP4 (plays everywhere, ffprobe reads it), then Matroska and AVI, then Motion JPEG.
What was chosen goes into the evidence's note."""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtMultimedia import QMediaFormat

V = QMediaFormat.VideoCodec
A = QMediaFormat.AudioCodec
F = QMediaFormat.FileFormat

PREFERENCES = [
    (F.MPEG4, V.H264, ".mp4"),
    (F.MPEG4, V.H265, ".mp4"),
    (F.MPEG4, V.MPEG4, ".mp4"),
    (F.Matroska, V.MPEG4, ".mkv"),
    (F.AVI, V.MPEG4, ".avi"),
    (F.MPEG4, V.MotionJPEG, ".mp4"),
    (F.AVI, V.MotionJPEG, ".avi"),
]
CODEC_NAMES = {  # what the note says, in the words ffprobe and a court's expert use
    V.H264: "H.264 (AVC)", V.H265: "H.265 (HEVC)", V.MPEG4: "MPEG-4 Part 2", V.MotionJPEG: "Motion JPEG",
}


@dataclass(frozen=True)
class Choice:
    media_format: QMediaFormat
    suffix: str
    container: str
    video_codec: str
    audio_codec: str | None

    def note(self) -> dict:
        return {"container": self.container, "video_codec": self.video_codec, "audio_codec": self.audio_codec,
                "recorder": "QtMultimedia"}


def choose(with_audio: bool) -> Choice | None:
    for file_format, codec, suffix in PREFERENCES:
        fmt = QMediaFormat(file_format)
        if codec not in fmt.supportedVideoCodecs(QMediaFormat.ConversionMode.Encode):
            continue
        fmt.setVideoCodec(codec)
        audio = None
        if with_audio:
            supported = fmt.supportedAudioCodecs(QMediaFormat.ConversionMode.Encode)
            for candidate in (A.AAC, A.MP3, A.Opus, A.Vorbis, A.Wave):
                if candidate in supported:
                    fmt.setAudioCodec(candidate)
                    audio = QMediaFormat.audioCodecName(candidate)
                    break
        return Choice(fmt, suffix, QMediaFormat.fileFormatName(file_format),
                      CODEC_NAMES.get(codec, QMediaFormat.videoCodecName(codec)), audio)
    return None
