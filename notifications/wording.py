"""The job's status in words a customer understands: a headline and one sentence of what it means."""

from core.models import Status

STATUS_WORDS = {
    Status.RECEIVED: ("We have your item", "It is waiting for a technician to look at it."),
    Status.DIAGNOSING: ("Being checked", "A technician is finding out what it needs."),
    Status.WAITING_PARTS: ("Waiting for parts", "We have ordered what it needs and go on as soon as it arrives."),
    Status.WAITING_APPROVAL: (
        "Waiting for your answer",
        "We need your go-ahead before we carry on: please answer our message or call us.",
    ),
    Status.IN_REPAIR: ("Being serviced", "A technician is working on it."),
    Status.READY: ("Ready for pickup", "Bring your claim slip (or this page) when you come to collect it."),
    Status.RELEASED: ("Collected", "You have collected it. Thank you for your visit!"),
    Status.CANCELLED: ("Closed", "This job was closed without service. Please contact us if you have questions."),
}


def status_words(status: str) -> tuple[str, str]:
    return STATUS_WORDS[Status(status)]
