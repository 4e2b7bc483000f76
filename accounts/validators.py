import zxcvbn
from django.contrib.auth.validators import ASCIIUsernameValidator
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext


class MaximumLengthValidator:
    """A password validator that refuses passwords longer than max_length characters.

    Without a ceiling, a megabyte-long password makes the server hash a megabyte.
    """

    def __init__(self, max_length=128):
        self.max_length = max_length

    def validate(self, password, user=None):
        if len(password) > self.max_length:
            raise ValidationError(
                ngettext(
                    "This password is too long. It must contain at most %(max_length)d character.",
                    "This password is too long. It must contain at most %(max_length)d characters.",
                    self.max_length,
                ),
                code="password_too_long",
                params={"max_length": self.max_length},
            )

    def get_help_text(self):
        return _("Your password can’t be longer than %(max_length)d characters.") % {"max_length": self.max_length}


class GuessablePasswordValidator:
    """Refuses passwords that attackers guess early, with the reason: zxcvbn's offline lists (the 30,000 most used
    passwords of real breaches, common words, names, English Wikipedia) and its patterns (repeats such as
    "aaaaaaaaaaaaaaa", keyboard rows such as "qwertyuiopasdfgh", sequences, dates, the user's own name and address).

    Everything is in the package: no network call at run time. A password must reach zxcvbn's score 3 (about 10**8
    guesses: "safely unguessable, moderate protection from an offline slow-hash scenario").
    Only the first 72 characters are looked at (zxcvbn refuses more: its matching grows fast with length); a
    password whose first 72 characters are hard to guess is no easier for the rest.
    """

    def __init__(self, min_score=3):
        self.min_score = min_score

    def validate(self, password, user=None):
        user_inputs = [getattr(user, name, "") or "" for name in ("username", "email", "first_name", "last_name")]
        user_inputs += [part for value in user_inputs for part in value.replace("@", " ").replace(".", " ").split()]
        result = zxcvbn.zxcvbn(password[:72], user_inputs=[value for value in user_inputs if value])
        if result["score"] >= self.min_score:
            return
        feedback = result["feedback"]
        reason = feedback.get("warning") or _("It is too easy to guess.")
        hint = " ".join(feedback.get("suggestions") or [])
        raise ValidationError(
            _("This password is easy to guess: %(reason)s %(hint)s"),
            code="password_guessable",
            params={"reason": reason, "hint": hint or _("Use a few unusual words.")},
        )

    def get_help_text(self):
        return _("It can’t be a common or breached password, a keyboard row, a repeat or a sequence.")


@deconstructible
class UsernameValidator(ASCIIUsernameValidator):
    """Django's ASCII username rule without "@".

    ASCII only, so that no one can register a look-alike of a colleague's name ("аdmin" with a Cyrillic "а");
    no "@", so that a login name is never mistaken for an email address. Real names go in the name fields.
    """

    regex = r"^[A-Za-z0-9.+_-]+\Z"
    message = _lazy("Enter a valid username: English letters, digits and . + - _ only (no spaces or “@”).")
