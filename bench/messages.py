"""Messages delivered per second to local SMTP and SMS servers, and an organisation's calendar feed time.

Runs `bench/_messages_delivery.py` (a real `tremplin worker` draining 6,000 queued e-mails and text messages
to a local SMTP server and a local server speaking the SMS provider's API) and `bench/_feeds.py` (the feed of
an organisation with 1,000 sessions), on SQLite by default or the database DATABASE_URL names.
Last line: one JSON object.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._feeds import feed_generation  # noqa: E402
from bench._loadgen import window  # noqa: E402
from bench._messages_delivery import delivery_rate  # noqa: E402


async def main() -> dict:
    delivery = await delivery_rate(seconds=window(10))
    feed = await feed_generation()
    return {"delivery": delivery, "feed": feed}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main())))
