"""Messages delivered per second by one `tremplin worker` process, to a local SMTP server and a local SMS API.

A fresh database (SQLite by default, PostgreSQL when DATABASE_URL says so) gets MESSAGES queued messages,
half e-mails and half text messages; the worker sends the e-mails over SMTP (aiosmtpd) and the texts to a
local copy of Brevo's transactional SMS API (tests/sms_support.py), both in this process. The rate is
counted from the first arrival, over `seconds` or until the outbox is empty; the worker's peak memory (VmHWM)
is read before it stops.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._loadgen import peak_rss  # noqa: E402
from tests.sms_support import API_KEY, SmsServer  # noqa: E402

MESSAGES = 6000
SETUP = """
import asyncio
from app.cli import migrate
from core.db import open_pool, close_pool, write_transaction
from messaging.tables import OutboxMessage

async def main():
    await migrate()
    await open_pool()
    rows = []
    for n in range({count}):
        if n % 2:
            rows.append(OutboxMessage(channel="sms", recipient=f"+336{{n:08d}}", body_text=f"Rappel {{n}} : demain 9h",
                                      idempotency_key=f"bench:sms:{{n}}", urgent=True))
        else:
            rows.append(OutboxMessage(channel="email", recipient=f"jeune{{n}}@exemple.fr", subject="Rappel",
                                      body_text="Rendez-vous demain à 9h.", idempotency_key=f"bench:mail:{{n}}"))
    async with write_transaction():
        for start in range(0, len(rows), 500):
            await OutboxMessage.insert(*rows[start:start + 500])
    await close_pool()

asyncio.run(main())
"""


class _Mailbox:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.count += 1
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _env() -> dict[str, str]:
    var_dir = tempfile.mkdtemp(prefix="tremplin-bench-")
    url = os.environ.get("DATABASE_URL", "") or f"sqlite:///{var_dir}/bench.sqlite3"
    if url.startswith("postgres"):  # a fresh schema for a fair count
        import asyncpg

        connection = await asyncpg.connect(url)
        await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        await connection.close()
    return {"TREMPLIN_VAR_DIR": var_dir, "DATABASE_URL": url, "TREMPLIN_WORKER": "external"}


async def delivery_rate(seconds: float = 10) -> dict:
    """Deliveries per second of one worker process; the last value is the rate over both channels."""
    env = await _env()
    engine = "postgresql" if env["DATABASE_URL"].startswith("postgres") else "sqlite"
    setup = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        SETUP.format(count=MESSAGES),
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, errors = await setup.communicate()
    if setup.returncode:
        raise RuntimeError(f"setup failed: {errors.decode()[-2000:]}")
    mailbox = _Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=_free_port())
    smtp.start()
    sms = SmsServer()
    sms.start()
    worker_env = {
        **os.environ,
        **env,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp.port),
        "SMS_PROVIDER": "brevo",
        "SMS_API_KEY": API_KEY,
        "SMS_API_URL": sms.url,
    }
    worker = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app.cli",
        "worker",
        cwd=ROOT,
        env=worker_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while mailbox.count + len(sms.arrivals) == 0:
            if worker.returncode is not None or time.monotonic() > deadline:
                raise RuntimeError("the worker delivered nothing")
            await asyncio.sleep(0.01)
        started = time.monotonic()
        while time.monotonic() - started < seconds and mailbox.count + len(sms.arrivals) < MESSAGES:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        elapsed = time.monotonic() - started
        emails, texts = mailbox.count, len(sms.arrivals)
        memory = peak_rss(worker.pid)
    finally:
        worker.terminate()
        await asyncio.wait_for(worker.wait(), timeout=10)
        smtp.stop()
        sms.stop()
    references = sms.references()
    return {
        "engine": engine,
        "worker_processes": 1,
        "queued": MESSAGES,
        "seconds": round(elapsed, 2),
        "emails": emails,
        "sms": texts,
        "sms_duplicates": len(references) - len(set(references)),
        "emails_per_s": round(emails / elapsed, 1),
        "sms_per_s": round(texts / elapsed, 1),
        "messages_per_s": round((emails + texts) / elapsed, 1),
        **memory,
    }


if __name__ == "__main__":
    import json

    print(json.dumps(asyncio.run(delivery_rate(float(sys.argv[1]) if len(sys.argv) > 1 else 10))))
