"""Name search that ignores case and accents: "zoe" finds Zoë, "muller" Müller, "soren" Søren.

Names are stored as typed; :func:`fold` gives the form that is searched. Each patient keeps
the folded "first last" in ``Patient.search_name`` and each typed word is folded the same way,
so the search is a plain substring match that works alike on PostgreSQL and SQLite (no
``unaccent`` extension, no database collation). Pure Python: no Django, no I/O.
"""

from __future__ import annotations

import unicodedata

# Letters that Unicode does not decompose into a base letter and a mark (after casefold).
# "ß" needs no entry: casefold already makes it "ss".
_LETTERS = str.maketrans(
    {
        "æ": "ae",
        "œ": "oe",
        "ø": "o",
        "đ": "d",
        "ð": "d",
        "ł": "l",
        "ħ": "h",
        "ŧ": "t",
        "þ": "th",
        "\u0131": "i",  # dotless i
    }
)


def fold(text: str) -> str:
    """``text`` casefolded, in compatibility form (fullwidth letters and ligatures become
    plain ones), without combining marks ("é" is "e", "İ" is "i") and with the letters above
    spelled in ASCII.

    The same function must fold the stored names and the typed words: change it and the
    stored ``search_name`` of every patient has to be computed again (a data migration)."""
    # Decomposed before and after casefold: a black-letter H only becomes "H" when decomposed.
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return bare.translate(_LETTERS)


def words(query: str) -> list[str]:
    """The folded words of a typed query; a patient matches if their name holds every one."""
    return [w for w in (fold(word) for word in query.split()) if w]
