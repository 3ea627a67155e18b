"""What a photo's check found, in words an inspector in the field can act on, and its capture time —
pure Python (:mod:`.imageprobe` does the decoding, in a child process)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone, tzinfo

from evalflow.shared.messages import N_, Message, msg


def refusal(status: str, max_pixels: int) -> tuple[int, Message] | None:
    """The HTTP status and message for a photo the probe refused (None when it was accepted)."""
    if status == "ok":
        return None
    if status == "heic":
        return 415, msg(
            N_(
                "这是 HEIC/HEIF 格式的照片,暂不支持:请在手机“设置 → 相机 → 格式”中选择“兼容性最佳”(JPEG)后重拍,"
                "或截屏后上传。"
            )
        )
    if status == "too_many_pixels":
        return 413, msg(
            N_("照片像素过多(超过 %(mp)d 百万像素),无法处理:请降低相机分辨率后重拍。"),
            mp=max_pixels // 1_000_000,
        )
    if status == "not_image":
        return 415, msg(N_("不是照片:只接受 JPEG 或 PNG 图片(按文件内容识别)。"))
    return 415, msg(N_("照片已损坏或无法读取,请重新拍摄后上传。"))


def capture_time(text: str | None, offset: str | None, local: tzinfo) -> datetime | None:
    """EXIF's ``YYYY:MM:DD HH:MM:SS`` as an aware moment: with its ``±HH:MM`` offset when the camera
    wrote one, else read in *local* (the office's zone); None when absent or not a real time."""
    if not text:
        return None
    try:
        moment = datetime.strptime(text[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    zone = _offset(offset) or local
    if not 2000 <= moment.year <= 2100:
        return None
    return moment.replace(tzinfo=zone)


def _offset(text: str | None) -> tzinfo | None:
    if not text or len(text) != 6 or text[0] not in "+-" or text[3] != ":":
        return None
    try:
        hours, minutes = int(text[1:3]), int(text[4:6])
    except ValueError:
        return None
    if hours > 14 or minutes > 59:
        return None
    sign = -1 if text[0] == "-" else 1
    return timezone(sign * timedelta(hours=hours, minutes=minutes))
