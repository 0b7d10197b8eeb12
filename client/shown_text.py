"""Text from the chain as a person is shown it. Pure.

A tx's free text (a beneficiary, a purpose, a name, a location) is whatever its signer
chose, and a block proposed by any validator may carry it. A newline or a terminal escape in
it printed a line of its own beside a genuine VALID (stop 55: a beneficiary whose escapes
moved the cursor up and erased the receipt's real `retired` line), and a bidirectional or
zero-width character makes one name read as another. So every character of Unicode general
category Cc (controls, newline and tab included), Cf (format: bidi controls, zero-width
characters), Zl or Zp (line and paragraph separators), or Cs (surrogates) is shown as
`[U+XXXX]`: in the CLI's summaries and tables, the receipt PDF, the web registry
(node/web/markup.py) and the receipt checker page (node/web/static/checker.js, the same
rule in JavaScript). The data itself is unchanged: `--json` and the API give it exactly.
"""

import unicodedata
from typing import Final

HIDDEN_CATEGORIES: Final = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
"""Categories never passed to a terminal, a PDF or a page as they are."""


def shown(text: str) -> str:
    """text with each character of HIDDEN_CATEGORIES written as [U+XXXX] (at least four
    upper-case hex digits): `Acme[U+000A]retired` for a newline."""
    if text.isprintable():
        return text  # no character of those categories (isprintable refuses them all)
    return "".join(
        f"[U+{ord(char):04X}]" if unicodedata.category(char) in HIDDEN_CATEGORIES else char
        for char in text
    )
