"""The README's commands, read from the README itself, so that tests run what a new user runs."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTALL = "python3 -m pip install . && "


def main_job() -> str:
    """The main-job command of "## Two commands", without its leading `pip install .`."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    command = re.search(r"## Two commands.*?```bash\n(.*?)\n```", text, re.S).group(1).strip()
    assert command.startswith(INSTALL), command[:80]
    return command[len(INSTALL):]
