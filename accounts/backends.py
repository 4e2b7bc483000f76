from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class UsernameOrEmailBackend(ModelBackend):
    """Authenticates with a username or an email address, in any letter case.

    Usernames cannot contain "@", so a login name with "@" is always an email address.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        user_model = get_user_model()
        user = user_model._default_manager.by_login_name(username).first()
        if user is None:
            # Hash anyway, so that an unknown name takes as long to refuse as a wrong password.
            user_model().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
