"""The app's words (scoring/web/i18n.py) against the pages that ask for them."""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_word_the_pages_ask_for_is_in_the_table_once():
    """A key missing from the i18n table shows itself on the page; a key written twice in the
    literal silently keeps only the second text (it did: the result page's heading "Decision"
    read "Founding decision")."""
    source = (ROOT / "scoring/web/i18n.py").read_text("utf-8")
    table = next(n.value for n in ast.walk(ast.parse(source))
                 if isinstance(n, ast.AnnAssign) and getattr(n.target, "id", "") == "TEXT")
    keys = [k.value for k in table.keys]
    assert sorted(k for k in set(keys) if keys.count(k) > 1) == []
    used = set()
    for f in (ROOT / "scoring/web/templates").rglob("*.html"):
        used |= set(re.findall(r'\bt\("(\w+)"[,)]', f.read_text("utf-8")))
    for f in (ROOT / "scoring/web").rglob("*.py"):
        used |= set(re.findall(r'FormInvalid\([^,()]+, "(\w+)"', f.read_text("utf-8")))
    assert len(used) > 100 and sorted(used - set(keys)) == []
