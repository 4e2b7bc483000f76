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


@deconstructible
class UsernameValidator(ASCIIUsernameValidator):
    """Django's ASCII username rule without "@".

    ASCII only, so that no one can register a look-alike of a colleague's name ("аdmin" with a Cyrillic "а");
    no "@", so that a login name is never mistaken for an email address. Real names go in the name fields.
    """

    regex = r"^[A-Za-z0-9.+_-]+\Z"
    message = _lazy("Enter a valid username: English letters, digits and . + - _ only (no spaces or “@”).")
