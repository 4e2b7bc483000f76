"""How a message reaches a customer: one small class per channel, found by the message's `channel`.

Only email is built. Another channel (SMS through a provider's API, say) is a subclass of Channel with a
`send(outgoing)` that hands the message to the provider and raises DeliveryError when it could not, registered with
`register()` in the app's ready(). Nothing pretends to send: a customer who prefers a channel that is not
registered gets email when they have an address, and otherwise the message is recorded as not sent.
(django-anymail is the documented path to an email provider's API: it is an EMAIL_BACKEND, so EmailChannel
stays as it is.)
"""

import smtplib
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection


@dataclass(frozen=True)
class Outgoing:
    """A message as it leaves (notifications.services.outgoing): the outbox's copy with the customer's real status
    and unsubscribe links in it. It lives only while it is handed over: never store or log it."""

    address: str
    subject: str
    body_text: str
    body_html: str
    unsubscribe_url: str


class DeliveryError(Exception):
    """A message could not be handed over. `retry`: whether trying again later may help.

    The text must be safe to store and log: no address, name or message text (only an error class or code).
    """

    def __init__(self, text: str, *, retry: bool):
        super().__init__(text)
        self.retry = retry


class Channel:
    """A way of reaching customers. `name` is stored on each message; `send(outgoing)` delivers one (an Outgoing)
    or raises DeliveryError."""

    name = ""
    label = ""  # in words, for the job's timeline: "Email sent: Ready for pickup"

    def address_for(self, customer) -> str:
        """The customer's address on this channel; empty when they have none."""
        raise NotImplementedError

    def send(self, outgoing: Outgoing) -> None:
        raise NotImplementedError


class EmailChannel(Channel):
    """Django's mail (EMAIL_URL), with its EMAIL_TIMEOUT: a server that does not answer is tried again later."""

    name = "email"
    label = "Email"

    def address_for(self, customer) -> str:
        return customer.email

    def send(self, outgoing: Outgoing) -> None:
        mail = EmailMultiAlternatives(
            subject=outgoing.subject,
            body=outgoing.body_text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[outgoing.address],
            headers={"List-Unsubscribe": f"<{outgoing.unsubscribe_url}>"},
            connection=get_connection(timeout=settings.EMAIL_TIMEOUT),
        )
        if outgoing.body_html:
            mail.attach_alternative(outgoing.body_html, "text/html")
        try:
            mail.send()
        except smtplib.SMTPRecipientsRefused as error:
            raise DeliveryError("The mail server refused the address.", retry=False) from error
        except smtplib.SMTPResponseException as error:
            # 5xx is permanent (bad address, policy); 4xx is "try again later".
            raise DeliveryError(f"The mail server answered {error.smtp_code}.", retry=error.smtp_code < 500) from error
        except (smtplib.SMTPException, OSError) as error:  # OSError covers refused connections and timeouts
            text = f"The mail server could not be reached ({error.__class__.__name__})."
            raise DeliveryError(text, retry=True) from error


_CHANNELS: dict[str, Channel] = {}


def register(channel: Channel) -> None:
    _CHANNELS[channel.name] = channel


def unregister(name: str) -> None:
    _CHANNELS.pop(name, None)


def get(name: str) -> Channel | None:
    return _CHANNELS.get(name)


def choose(customer) -> tuple[Channel | None, str]:
    """The channel and address to reach `customer`: their preferred channel when it is registered and they have
    an address there, else email; (None, "") when they cannot be reached."""
    for name in (customer.preferred_channel, EmailChannel.name):
        channel = get(name)
        if channel and (address := channel.address_for(customer)):
            return channel, address
    return None, ""


register(EmailChannel())
