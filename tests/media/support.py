"""Images made on the fly for the media tests."""

from __future__ import annotations

import io
import random
import struct
import zlib
from typing import Any

from PIL import Image

RED = (255, 0, 0)
BLUE = (0, 0, 255)


def image_bytes(
    image_format: str,
    *,
    size: tuple[int, int] = (64, 48),
    mode: str = "RGB",
    color: Any = BLUE,
    **save_options: Any,
) -> bytes:
    """A plain image of one colour, encoded as `image_format`."""
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, format=image_format, **save_options)
    return buffer.getvalue()


def noise_bytes(image_format: str, *, size: tuple[int, int] = (64, 64)) -> bytes:
    """An image of seeded noise: it compresses badly, so cutting it in half loses pixels."""
    pixels = random.Random(0).randbytes(size[0] * size[1] * 3)
    buffer = io.BytesIO()
    Image.frombytes("RGB", size, pixels).save(buffer, format=image_format)
    return buffer.getvalue()


def marked_image(*, size: tuple[int, int], marker: tuple[int, int, int] = RED) -> Image.Image:
    """A blue image with a 16×16 `marker` square in its top-left corner."""
    image = Image.new("RGB", size, BLUE)
    image.paste(marker, (0, 0, 16, 16))
    return image


def png_header(*, width: int, height: int) -> bytes:
    """A PNG that announces width×height pixels but carries almost no data: what a
    decompression bomb looks like before it is decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def opened(content: bytes) -> Image.Image:
    """`content` decoded (the caller owns the image)."""
    image = Image.open(io.BytesIO(content))
    image.load()
    return image
