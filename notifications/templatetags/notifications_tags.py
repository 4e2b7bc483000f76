"""What the logbook's pages show of messages and status links: the job page's panel and the claim slip's codes.

templates/core/serviceitem_detail.html loads {% item_messages item %}; templates/core/serviceitem_slip.html
uses {% status_link_for item as status %} and {% qr_code value %}.
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

import segno
from django import template
from django.conf import settings
from django.templatetags.static import static
from django.utils.html import escape
from django.utils.safestring import mark_safe

from notifications import links
from notifications.models import Message, StatusLink

register = template.Library()


@register.inclusion_tag("notifications/includes/item_messages.html", takes_context=True)
def item_messages(context, item):
    """The job page's panel: the customer's status link and every message of the job, with resend buttons."""
    user = context["request"].user
    link = StatusLink.objects.active().filter(item=item).first()
    return {
        "item": item,
        "messages_sent": Message.objects.filter(item=item),
        "may_resend": user.has_perm("notifications.resend_message"),
        "may_revoke": user.has_perm("notifications.revoke_statuslink"),
        "status_url": links.url_of(link) if link else "",
        "csrf_token": context.get("csrf_token"),
    }


@dataclass(frozen=True)
class SlipLink:
    url: str

    @property
    def short(self) -> str:
        """The link as printed under the code: without the scheme."""
        parts = urlsplit(self.url)
        return parts.netloc + parts.path


@register.simple_tag
def status_link_for(item) -> SlipLink:
    """The job's status link for the claim slip (made now if the job has none)."""
    return SlipLink(links.status_url(item))


@register.simple_tag
def qr_code(value: str, title: str = "") -> str:
    """`value` as a QR code in inline SVG: no image request, nothing the Content-Security-Policy blocks."""
    code = segno.make(value, error="m", micro=False)
    return mark_safe(code.svg_inline(scale=1, omitsize=True, svgclass="qr-code", title=escape(title) or None))  # noqa: S308 (segno's own markup; the title is escaped)


@register.simple_tag
def site_url(path: str) -> str:
    """An absolute address on the site (SITE_URL), for codes that are scanned away from the page."""
    return links.absolute(path)


@register.simple_tag
def shop_logo() -> str:
    """The shop's logo (settings.SHOP_LOGO) as a static address."""
    return static(settings.SHOP_LOGO)
