"""Search keys: names folded so that "nguyen" finds "Nguyễn" and "lukasz" finds "Łukasz"."""

import unicodedata

# Letters that do not decompose into a base letter plus accents.
_SPECIAL = str.maketrans(
    {
        "ł": "l",
        "ø": "o",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "æ": "ae",
        "œ": "oe",
        "\u0131": "i",  # dotless i
        "ħ": "h",
        "ŧ": "t",
    }
)


def search_key(text: str) -> str:
    """Case-folded, accent-free, single-spaced; the same function builds keys and queries."""
    folded = unicodedata.normalize("NFKD", text.casefold().translate(_SPECIAL))
    bare = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return " ".join(bare.translate(_SPECIAL).split())
