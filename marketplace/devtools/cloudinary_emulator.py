"""A local stand-in for Cloudinary's image APIs, on loopback, for dev and tests.

Our storage (marketplace.media.storage) and the real `cloudinary` SDK are pointed at it by
configuration only: CLOUDINARY_URL with the emulator's key and secret, CLOUDINARY_API_BASE
(the SDK's `upload_prefix`) and CLOUDINARY_DELIVERY_URL (an http delivery host, the SDK's
`cname`). `emulator.environment()` returns the three.

What it speaks, everything kept in memory:

- Upload API, signed like Cloudinary: `POST /v1_1/<cloud>/image/upload` (multipart, a
  `file` part and parameters) and `POST /v1_1/<cloud>/image/destroy`. The `api_key` must
  be the account's and `signature` must be the sha1 (or sha256, per account) hex of the
  parameters other than file/api_key/signature/resource_type, sorted, as `k=v` joined by
  `&` (an `&` inside a value written `%26`), followed by the API secret. A wrong key or
  signature gets Cloudinary's 401 `{"error": {"message": ...}}`; a timestamp more than an
  hour off gets 400 "Stale request".
- Admin API: `GET /v1_1/<cloud>/resources/image/upload/<public_id>` with HTTP Basic
  `api_key:api_secret` (what the SDK's `cloudinary.api.resource` calls).
- Delivery: `GET /<cloud>/image/upload[/<transformation>...][/v<version>]/<public_id>.<ext>`
  answers the stored image in the extension's format, after the transformations in
  order. Supported: `c_fill`, `c_limit`, `c_fit`, `c_scale` with `w_`/`h_` in pixels,
  `q_auto`/`q_<1-100>`, `f_auto` (keeps the extension's format) and `g_` (ignored:
  crops are centred). Other components answer 400 with an `X-Cld-Error` header, like
  Cloudinary.

Run it alone: `python -m marketplace.devtools.cloudinary_emulator --port 8766`.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import hmac
import io
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass
from email import policy
from email.parser import BytesParser
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import unquote

from PIL import Image, ImageOps, UnidentifiedImageError

from marketplace.devtools.loopback import LoopbackHTTPServer

DEMO_CLOUD = ("local", "local-api-key", "local-api-secret")
# Cloudinary refuses a signed request whose timestamp is more than an hour off.
TIMESTAMP_TOLERANCE = 3600
# Cloudinary's image size limit on paid plans; the free plan's is 10 MB.
MAX_FILE_BYTES = 20 * 1024 * 1024
# Parameters the Upload API leaves out of the signature.
UNSIGNED_PARAMETERS = frozenset({"file", "api_key", "signature", "resource_type", "cloud_name"})
FORMATS = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}
CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
# Transformation keys Cloudinary knows: a path segment made of these is a transformation,
# not a folder of the public id. The emulator applies only some of them.
_TRANSFORMATION_KEYS = frozenset(
    {"a", "ac", "ar", "b", "bo", "br", "c", "co", "cs", "d", "dl", "dn", "dpr", "du", "e"}
    | {"eo", "f", "fl", "fn", "fps", "g", "h", "if", "ki", "l", "o", "p", "pg", "q", "r"}
    | {"so", "sp", "t", "u", "vc", "vs", "w", "x", "y", "z"}
)
_COMPONENT = re.compile(r"([a-z]{1,3})_(.+)")
_VERSION = re.compile(r"v\d+")


@dataclass(frozen=True)
class EmulatedAsset:
    """An uploaded image as the emulator keeps it."""

    public_id: str
    content: bytes
    format: str  # Cloudinary's name: jpg, png, webp
    width: int
    height: int
    version: int
    params: dict[str, str]  # the signed parameters it was uploaded with


class CloudinaryError(Exception):
    """An answer in Cloudinary's error shape."""

    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class CloudinaryEmulator(LoopbackHTTPServer):
    thread_name = "cloudinary-emulator"

    """A threaded HTTP server on 127.0.0.1 playing one Cloudinary account.

    `signature_algorithm` is the account setting ("sha1", Cloudinary's default, or
    "sha256"); requests signed otherwise are refused, as Cloudinary does.
    """

    def __init__(
        self,
        *,
        cloud_name: str = DEMO_CLOUD[0],
        api_key: str = DEMO_CLOUD[1],
        api_secret: str = DEMO_CLOUD[2],
        signature_algorithm: str = "sha1",
        port: int = 0,
    ) -> None:
        if signature_algorithm not in ("sha1", "sha256"):
            raise ValueError("signature_algorithm must be sha1 or sha256")
        self.cloud_name = cloud_name
        self.api_key = api_key
        self.api_secret = api_secret
        self.signature_algorithm = signature_algorithm
        self._assets: dict[str, EmulatedAsset] = {}
        self._lock = threading.Lock()
        super().__init__(_handler_for(self), port=port)

    # --- lifecycle (start/stop/with from LoopbackHTTPServer; `url` serves APIs and delivery)

    @property
    def cloudinary_url(self) -> str:
        suffix = "?signature_algorithm=sha256" if self.signature_algorithm == "sha256" else ""
        return f"cloudinary://{self.api_key}:{self.api_secret}@{self.cloud_name}{suffix}"

    def environment(self) -> dict[str, str]:
        """The variables that point the app at this emulator."""
        return {
            "CLOUDINARY_URL": self.cloudinary_url,
            "CLOUDINARY_API_BASE": self.url,
            "CLOUDINARY_DELIVERY_URL": self.url,
        }

    # --- what tests look at ----------------------------------------------------------

    def uploaded(self) -> dict[str, EmulatedAsset]:
        """Every stored image by public id (a copy)."""
        with self._lock:
            return dict(self._assets)

    # --- the APIs --------------------------------------------------------------------

    def upload(self, params: dict[str, str], file: bytes | None) -> dict[str, Any]:
        """Upload API `upload`: checks the signature, stores the image, answers its JSON."""
        self._check_signed(params)
        if not file:
            raise CloudinaryError(HTTPStatus.BAD_REQUEST, "Missing required parameter - file")
        if len(file) > MAX_FILE_BYTES:
            raise CloudinaryError(
                HTTPStatus.BAD_REQUEST,
                f"File size too large. Got {len(file)}. Maximum is {MAX_FILE_BYTES}.",
            )
        try:
            with Image.open(io.BytesIO(file)) as image:
                image.load()
                image_format = (image.format or "").lower().replace("jpeg", "jpg")
                width, height = image.size
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise CloudinaryError(HTTPStatus.BAD_REQUEST, "Invalid image file") from None
        public_id = params.get("public_id") or secrets.token_hex(10)
        overwrite = params.get("overwrite", "1") not in ("0", "false")
        with self._lock:
            existing = self._assets.get(public_id)
            if existing is not None and not overwrite:
                return {**self._resource_json(existing), "existing": True}
            asset = EmulatedAsset(
                public_id=public_id,
                content=file,
                format=image_format,
                width=width,
                height=height,
                version=int(time.time()),
                params=dict(params),
            )
            self._assets[public_id] = asset
        return {**self._resource_json(asset), "existing": False}

    def destroy(self, params: dict[str, str]) -> dict[str, Any]:
        """Upload API `destroy`: `{"result": "ok"}`, or `"not found"` (still a 200)."""
        self._check_signed(params)
        with self._lock:
            removed = self._assets.pop(params.get("public_id", ""), None)
        return {"result": "ok" if removed else "not found"}

    def resource(self, public_id: str, authorization: str | None) -> dict[str, Any]:
        """Admin API `resources/image/upload/<public_id>`, HTTP Basic authenticated."""
        self._check_basic_auth(authorization)
        with self._lock:
            asset = self._assets.get(public_id)
        if asset is None:
            raise CloudinaryError(HTTPStatus.NOT_FOUND, f"Resource not found - {public_id}")
        return self._resource_json(asset)

    def deliver(self, path: str) -> tuple[str, bytes]:
        """(content type, bytes) for a delivery path after `/<cloud>/image/upload/`."""
        segments = [unquote(segment) for segment in path.split("/") if segment]
        transformations: list[dict[str, str]] = []
        while segments and _is_transformation(segments[0]):
            transformations.append(_parse_transformation(segments.pop(0)))
        if segments and _VERSION.fullmatch(segments[0]) and len(segments) > 1:
            segments.pop(0)
        public_id, _, extension = "/".join(segments).rpartition(".")
        if not public_id or extension.lower() not in FORMATS:
            public_id, extension = "/".join(segments), ""
        with self._lock:
            asset = self._assets.get(public_id)
        if asset is None:
            raise CloudinaryError(HTTPStatus.NOT_FOUND, "Resource not found")
        output_format = FORMATS[extension.lower() or asset.format]
        for components in transformations:
            # f_auto keeps the extension's format (Cloudinary picks by the browser's Accept).
            if components.get("f", "auto") != "auto":
                output_format = FORMATS[components["f"]]
        if not transformations and FORMATS[asset.format] == output_format:
            return CONTENT_TYPES[output_format], asset.content
        return CONTENT_TYPES[output_format], _render(asset, transformations, output_format)

    # --- checks ----------------------------------------------------------------------

    def _check_signed(self, params: dict[str, str]) -> None:
        api_key = params.get("api_key", "")
        if not api_key:
            raise CloudinaryError(HTTPStatus.UNAUTHORIZED, "Must supply api_key")
        if not hmac.compare_digest(api_key, self.api_key):
            raise CloudinaryError(HTTPStatus.UNAUTHORIZED, f"Unknown API key {api_key}")
        signature = params.get("signature", "")
        string_to_sign = self.string_to_sign(params)
        expected = hashlib.new(
            self.signature_algorithm, (string_to_sign + self.api_secret).encode()
        ).hexdigest()
        if not hmac.compare_digest(signature, expected):
            raise CloudinaryError(
                HTTPStatus.UNAUTHORIZED,
                f"Invalid Signature {signature}. String to sign - '{string_to_sign}'.",
            )
        try:
            timestamp = int(params.get("timestamp", ""))
        except ValueError:
            raise CloudinaryError(
                HTTPStatus.BAD_REQUEST, "Missing required parameter - timestamp"
            ) from None
        if abs(time.time() - timestamp) > TIMESTAMP_TOLERANCE:
            raise CloudinaryError(
                HTTPStatus.BAD_REQUEST,
                f"Stale request - reported time is {timestamp} which is more than 1 hour "
                f"away from the current time {int(time.time())}",
            )

    @staticmethod
    def string_to_sign(params: dict[str, str]) -> str:
        """Cloudinary's string to sign (signature version 2) for these parameters."""
        pairs = [
            f"{name}={value}".replace("&", "%26")
            for name, value in params.items()
            if name not in UNSIGNED_PARAMETERS and value
        ]
        return "&".join(sorted(pairs))

    def _check_basic_auth(self, authorization: str | None) -> None:
        scheme, _, encoded = (authorization or "").partition(" ")
        try:
            decoded = base64.b64decode(encoded, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            decoded = ""
        api_key, _, api_secret = decoded.partition(":")
        if (
            scheme.lower() != "basic"
            or not hmac.compare_digest(api_key, self.api_key)
            or not hmac.compare_digest(api_secret, self.api_secret)
        ):
            raise CloudinaryError(HTTPStatus.UNAUTHORIZED, f"Unknown API key {api_key}")

    def _resource_json(self, asset: EmulatedAsset) -> dict[str, Any]:
        path = f"image/upload/v{asset.version}/{asset.public_id}.{asset.format}"
        delivery = f"{self.url}/{self.cloud_name}/{path}"
        return {
            "asset_id": hashlib.md5(asset.public_id.encode(), usedforsecurity=False).hexdigest(),
            "public_id": asset.public_id,
            "version": asset.version,
            "format": asset.format,
            "resource_type": "image",
            "type": "upload",
            "width": asset.width,
            "height": asset.height,
            "bytes": len(asset.content),
            "etag": hashlib.md5(asset.content, usedforsecurity=False).hexdigest(),
            "url": delivery,
            "secure_url": delivery,
            "tags": [],
            "placeholder": False,
        }


# --- delivery transformations -----------------------------------------------------------


def _is_transformation(segment: str) -> bool:
    matches = [_COMPONENT.fullmatch(part) for part in segment.split(",")]
    return all(match and match.group(1) in _TRANSFORMATION_KEYS for match in matches)


def _parse_transformation(segment: str) -> dict[str, str]:
    components: dict[str, str] = {}
    for part in segment.split(","):
        key, _, value = part.partition("_")
        if key not in ("c", "w", "h", "q", "f", "g"):
            raise CloudinaryError(
                HTTPStatus.BAD_REQUEST, f"Transformation {part} is not supported by the emulator"
            )
        components[key] = value
    crop = components.get("c", "scale")
    if crop not in ("fill", "limit", "fit", "scale"):
        raise CloudinaryError(HTTPStatus.BAD_REQUEST, f"Invalid crop mode {crop}")
    for key in ("w", "h"):
        if key in components and not components[key].isdigit():
            raise CloudinaryError(HTTPStatus.BAD_REQUEST, f"Invalid {key}_ value {components[key]}")
    if components.get("f", "auto") not in ("auto", *FORMATS):
        raise CloudinaryError(HTTPStatus.BAD_REQUEST, f"Invalid format {components['f']}")
    quality = components.get("q", "auto")
    if quality != "auto" and not (quality.isdigit() and 1 <= int(quality) <= 100):
        raise CloudinaryError(HTTPStatus.BAD_REQUEST, f"Invalid quality {quality}")
    return components


def _render(
    asset: EmulatedAsset, transformations: list[dict[str, str]], output_format: str
) -> bytes:
    quality = 80  # what q_auto gives a typical photo
    with Image.open(io.BytesIO(asset.content)) as opened:
        opened.load()
        image: Image.Image = opened.copy()
    for components in transformations:
        image = _resize(image, components)
        if components.get("q", "auto") != "auto":
            quality = int(components["q"])
    if output_format == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    buffer = io.BytesIO()
    options: dict[str, Any] = {} if output_format == "PNG" else {"quality": quality}
    image.save(buffer, format=output_format, **options)
    return buffer.getvalue()


def _resize(image: Image.Image, components: dict[str, str]) -> Image.Image:
    crop = components.get("c", "scale")
    width = int(components["w"]) if "w" in components else None
    height = int(components["h"]) if "h" in components else None
    if width is None and height is None:
        return image
    if image.mode in ("P", "1"):
        image = image.convert("RGBA")
    if crop == "fill" and width and height:
        return ImageOps.fit(image, (width, height), Image.Resampling.LANCZOS)
    if crop in ("limit", "fit") or (crop == "fill" and not (width and height)):
        box_width = width or image.width * (height or 0) // image.height
        box_height = height or image.height * (width or 0) // image.width
        if crop == "limit" and image.width <= box_width and image.height <= box_height:
            return image
        return ImageOps.contain(image, (box_width, box_height), Image.Resampling.LANCZOS)
    # scale: the given sides exactly; a missing side keeps the aspect ratio.
    new_width = width or round(image.width * (height or 0) / image.height)
    new_height = height or round(image.height * (width or 0) / image.width)
    return image.resize((max(new_width, 1), max(new_height, 1)), Image.Resampling.LANCZOS)


# --- HTTP -------------------------------------------------------------------------------


def _form_fields(content_type: str, body: bytes) -> tuple[dict[str, str], bytes | None]:
    """Multipart form fields (lists, sent as `name[]`, joined with commas as the SDK signs
    them) and the `file` part."""
    message = BytesParser(policy=policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    if not message.is_multipart():
        raise CloudinaryError(HTTPStatus.BAD_REQUEST, "Expected a multipart/form-data body")
    lists: dict[str, list[str]] = {}
    file: bytes | None = None
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if not isinstance(name, str) or not isinstance(payload, bytes):
            continue
        if name == "file":
            file = payload
            continue
        lists.setdefault(name.removesuffix("[]"), []).append(payload.decode())
    return {name: ",".join(values) for name, values in lists.items()}, file


def _handler_for(emulator: CloudinaryEmulator) -> type[BaseHTTPRequestHandler]:
    api_prefix = f"/v1_1/{emulator.cloud_name}/"
    delivery_prefix = f"/{emulator.cloud_name}/image/upload/"

    class Handler(BaseHTTPRequestHandler):
        server_version = "CloudinaryEmulator/1"

        def log_message(self, format: str, *args: Any) -> None:
            pass  # tests and `make run` stay quiet

        def do_POST(self) -> None:
            try:
                action = self.path.split("?")[0].removeprefix(api_prefix)
                if not self.path.startswith(api_prefix) or action not in (
                    "image/upload",
                    "image/destroy",
                ):
                    raise CloudinaryError(HTTPStatus.NOT_FOUND, "Not found")
                length = int(self.headers.get("Content-Length") or 0)
                if length > MAX_FILE_BYTES + 1024 * 1024:
                    raise CloudinaryError(
                        HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "File size too large"
                    )
                body = self.rfile.read(length)
                params, file = _form_fields(self.headers.get("Content-Type", ""), body)
                if action == "image/upload":
                    self._json(HTTPStatus.OK, emulator.upload(params, file))
                else:
                    self._json(HTTPStatus.OK, emulator.destroy(params))
            except CloudinaryError as error:
                self._json(error.status, {"error": {"message": error.message}})

        def do_GET(self) -> None:
            self._get(send_body=True)

        def do_HEAD(self) -> None:
            self._get(send_body=False)

        def _get(self, *, send_body: bool) -> None:
            path = self.path.split("?")[0]
            resources = f"{api_prefix}resources/image/upload/"
            try:
                if path.startswith(resources):
                    public_id = unquote(path.removeprefix(resources))
                    body = emulator.resource(public_id, self.headers.get("Authorization"))
                    self._json(HTTPStatus.OK, body, send_body=send_body)
                elif path.startswith(delivery_prefix):
                    content_type, content = emulator.deliver(path.removeprefix(delivery_prefix))
                    self._send(HTTPStatus.OK, content_type, content, send_body=send_body)
                else:
                    raise CloudinaryError(HTTPStatus.NOT_FOUND, "Not found")
            except CloudinaryError as error:
                if path.startswith(api_prefix):
                    self._json(error.status, {"error": {"message": error.message}})
                else:
                    # Delivery errors carry no body, only Cloudinary's X-Cld-Error header.
                    self._send(
                        error.status, "text/plain", b"", error=error.message, send_body=False
                    )

        def _json(self, status: HTTPStatus, body: Any, *, send_body: bool = True) -> None:
            self._send(status, "application/json", json.dumps(body).encode(), send_body=send_body)

        def _send(
            self,
            status: HTTPStatus,
            content_type: str,
            body: bytes,
            *,
            error: str | None = None,
            send_body: bool = True,
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            if error is not None:
                self.send_header("X-Cld-Error", error)
            self.end_headers()
            if send_body:
                self.wfile.write(body)

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8766)
    arguments = parser.parse_args()
    emulator = CloudinaryEmulator(port=arguments.port).start()
    for name, value in emulator.environment().items():
        print(f"{name}={value}")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        emulator.stop()


if __name__ == "__main__":
    main()
