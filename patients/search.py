"""Name search that ignores case and accents: "zoe" finds Zoë, "muller" Müller, "soren" Søren;
and "mueller" finds Müller, as German and Scandinavian names are typed without their letters.

Names are stored as typed; :func:`searched` gives the form that is searched. Each patient
keeps the folded "first last" in ``Patient.search_name`` (with its spelled-out form too, if
it has one) and each typed word is folded the same way, so the search is a plain substring
match that works alike on PostgreSQL and SQLite (no ``unaccent`` extension, no database
collation). Pure Python: no Django, no I/O.
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

    The same function must fold the stored names and the typed words (:func:`searched`)."""
    # Decomposed before and after casefold: a black-letter H only becomes "H" when decomposed.
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return bare.translate(_LETTERS)


# Letters that are spelled out where there is no key for them: Müller is typed "Mueller",
# Åberg "Aaberg", Ørsted "Oersted" (German and Scandinavian spelling).
_SPELLED_OUT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "å": "aa", "ø": "oe"})


def spellings(text: str) -> list[str]:
    """``text`` folded, then folded with the letters above spelled out if that differs."""
    plain = fold(text)
    spelled = fold(unicodedata.normalize("NFC", text.casefold()).translate(_SPELLED_OUT))
    return [plain] if spelled == plain else [plain, spelled]


def searched(name: str) -> str:
    """What the search looks in for ``name`` (``Patient.search_name``): "anna muller anna
    mueller" for Anna Müller, so that both spellings find her.

    Change it, or :func:`fold`, and the stored ``search_name`` of every patient has to be
    computed again (a data migration)."""
    return " ".join(spellings(name))


def words(query: str) -> list[list[str]]:
    """The words of a typed query, each as the spellings any of which may match (see
    :func:`spellings`): "Müller" finds a name stored as Mueller. A patient matches if their
    name holds every word; empty words are dropped."""
    return [spellings(word) for word in query.split() if fold(word)]
