"""Support for the /scan browser tests: fake camera files and a server process that can be killed.

The page was first built against a fake of the check-in API kept here; the real one (registration/checkin_api.py)
now serves the tests, so the fake is gone. Their data (scan_event, pair_token) comes from tests/factories/checkin.py.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

SALT = b"tremplin-offline"


# --------------------------------------------------------------------------- fake camera


def write_y4m(path: Path, text: str, *, width: int = 640, height: int = 480, frames: int = 10) -> Path:
    """A still video of a QR code centred on white, as raw I420 frames (what Chromium's fake camera reads)."""
    import qrcode
    from PIL import Image

    qr = qrcode.QRCode(border=4, box_size=10, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(text)
    qr.make(fit=True)
    code = qr.make_image(fill_color="black", back_color="white").convert("RGB")
    side = min(width, height) * 3 // 4
    code = code.resize((side, side), Image.NEAREST)
    canvas = Image.new("RGB", (width, height), "white")
    canvas.paste(code, ((width - side) // 2, (height - side) // 2))
    y, u, v = canvas.convert("YCbCr").split()
    chroma = (width // 2, height // 2)
    frame = b"FRAME\n" + y.tobytes() + u.resize(chroma, Image.BOX).tobytes() + v.resize(chroma, Image.BOX).tobytes()
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(frame)
    return path


def camera_args(video: Path) -> list[str]:
    return [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]


# --------------------------------------------------------------------------- a server we can kill


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    """uvicorn on a fixed port and the test database; stop() kills it like a lost connection would."""

    def __init__(self, port: int | None = None, env: dict[str, str] | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = env or {}
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "app.asgi:app_factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
            ],
            env={**os.environ, "BASE_URL": self.url, "TREMPLIN_WORKER": "external", **self.env},
        )
        for _ in range(150):
            try:
                if httpx.get(f"{self.url}/healthz", timeout=0.5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None:
                raise RuntimeError("the scan test server exited at start-up")
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("the scan test server did not answer /healthz")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None
