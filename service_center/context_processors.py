from django.conf import settings


def shop(request):
    """The shop's name, for the navbar and page titles."""
    return {"SHOP_NAME": settings.SHOP_NAME}
