"""The composition root: the app factory, the CLI, the demo, the home page; the one package importing all."""

import os
import sys
from pathlib import Path

# Piccolo finds its engine and apps through the top-level `piccolo_conf.py`; make it
# importable whatever the working directory (CLI, tests, uvicorn).
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)
os.environ.setdefault("PICCOLO_CONF", "piccolo_conf")
