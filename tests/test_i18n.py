"""The UI speaks French by default, every message is translated, and English can follow."""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from core.i18n import CATALOGUE_DIR

ROOT = Path(__file__).resolve().parent.parent


def test_every_message_of_the_code_and_templates_has_a_french_translation(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            Path(sys.executable).parent / "pybabel",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "lazy",
            "-k",
            "ngettext:1,2",
            "-o",
            str(pot),
            "--no-location",
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as template:
        extracted = {m.id for m in read_po(template) if m.id}
    with (CATALOGUE_DIR / "fr" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        french = {m.id: m.string for m in read_po(po) if m.id and not m.fuzzy}
    missing = [m for m in extracted if not french.get(m) or (isinstance(french[m], tuple) and not all(french[m]))]
    assert not missing, "run `make messages` and translate: " + repr(missing[:10])
    assert (CATALOGUE_DIR / "en" / "LC_MESSAGES" / "messages.po").exists()
