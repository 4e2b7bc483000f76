"""What the search boxes match: one lowercase text per record, and the terms a typed query becomes.

A record's search document holds its words in lowercase and every phone number as digits, in full (15554118402) and
without the country code (5554118402). A query is cut into terms; a record matches when its document contains every
term. A query that looks like a phone number ("+1 555 4118 402", "555-4118", "(555) 411") is one term of its
digits, so the number is found whatever its spacing, in part or whole.

Documents are matched with `contains` (LIKE '%term%'), which PostgreSQL answers from a pg_trgm GIN index and SQLite
from an FTS5 trigram table (see the performance notes in docs/architecture.md), never by reading every row.
"""

import contextlib
import re
import unicodedata
from collections.abc import Iterable

import phonenumbers
from django.conf import settings

# Digits with the punctuation people put between them, and at least four digits in all.
_PHONE_LIKE = re.compile(r"^\+?[\d\s().\-/]+$")
_MIN_PHONE_DIGITS = 4
# Longest query a search box accepts (the forms say it too); more terms than this are not useful.
MAX_TERMS = 8


def normalise(text: str) -> str:
    """Lowercase, with accents kept but letters folded the same way on both databases (NFKC, casefold)."""
    return unicodedata.normalize("NFKC", text).casefold()


def phone_digits(as_typed: str, e164: str | None = None) -> list[str]:
    """The digit strings a phone number is found by: E.164 without '+', the national number, and as typed."""
    forms = []
    if e164:
        forms.append(e164.lstrip("+"))
        with contextlib.suppress(phonenumbers.NumberParseException):
            forms.append(str(phonenumbers.parse(e164).national_number))
    typed = re.sub(r"\D", "", as_typed or "")
    if typed:
        forms.append(typed)
    return list(dict.fromkeys(forms))


def parse_phone(as_typed: str) -> str | None:
    """E.164 of a typed number read in the shop's region, or None when it is no possible number."""
    try:
        number = phonenumbers.parse(as_typed, settings.PHONENUMBER_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def document(*parts: str | None, phones: Iterable[tuple[str, str | None]] = ()) -> str:
    """One search document from text parts and (as typed, E.164) phone pairs."""
    words = [normalise(part) for part in parts if part]
    for as_typed, e164 in phones:
        words.extend(phone_digits(as_typed, e164))
    return " ".join(" ".join(word.split()) for word in words if word)


def query_terms(text: str) -> list[str]:
    """The terms a typed query is matched by: one digits term for a phone number, else its words."""
    # A NUL ends the pattern on SQLite (every row would match); the site's middleware refuses it, code may not.
    text = text.replace("\x00", "").strip()
    if not text:
        return []
    if _PHONE_LIKE.match(text):
        digits = re.sub(r"\D", "", text)
        if len(digits) >= _MIN_PHONE_DIGITS:
            return [digits]
    return list(dict.fromkeys(normalise(text).split()))[:MAX_TERMS]
