"""Message templates: Django's template language in a sandbox, and the fixed layout around every message.

Managers write templates, so a template may use only the variables documented in VARIABLES (plain strings,
never model objects) and a few harmless tags and filters: no {% load %}, {% include %}, {% url %} or {% debug %},
nothing that reads files or reaches the database. Rendering is bounded, so that no template can keep a worker
busy: no loop inside a loop, at most MAX_LOOP_ITERATIONS turns of all loops together and MAX_OUTPUT_CHARS
characters per part; past a bound the message fails with the reason, and the editor refuses such a template.
"""

import re
from dataclasses import dataclass

import nh3
from django.conf import settings
from django.template import Context, Engine, Library, Node, NodeList, TemplateSyntaxError, defaultfilters, defaulttags
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.html import linebreaks
from django.utils.safestring import mark_safe

# The bounds of one part (subject, plain text or HTML) of one message.
MAX_LOOP_ITERATIONS = 500
MAX_OUTPUT_CHARS = 50_000
# The editor renders a template with the sample data and again with every value this long.
LONG_VALUE = 300

# The only tags and filters a message template can use (this module is the sandbox engine's one library).
register = Library()
for _name in ("if", "with", "comment", "firstof", "spaceless"):
    register.tags[_name] = defaulttags.register.tags[_name]
for _name in (
    "default",
    "upper",
    "lower",
    "title",
    "capfirst",
    "linebreaksbr",
    "pluralize",
    "yesno",
    "truncatewords",
    "truncatechars",
):
    register.filters[_name] = defaultfilters.register.filters[_name]

VARIABLES = {
    "shop_name": "The shop’s name",
    "shop_contact": "The shop’s address and phone line",
    "customer_name": "The customer’s name",
    "control_number": "The job’s control number (SC-000123)",
    "item": "What came in: the note taken at the counter (First stage only), else the type (Regulator)",
    "item_type": "The item’s type (Regulator)",
    "brand": "The brand (Apeks)",
    "model": "The model (XTX50), may be empty",
    "serial_number": "The serial number, may be empty",
    "requested_service": "The service or fault asked for at the counter",
    "accessories": "Accessories left with the item, may be empty",
    "received_on": "The date it was taken in",
    "promised_on": "The promised date, may be empty",
    "status": "The job’s status, in the customer’s words",
    "status_url": "The link to the job’s status page",
    "days_waiting": "Reminders: days since the item was ready",
    "released_on": "Released: the date it was collected",
    "service_due": "Service due: the customer's gear falling due and when, one line each",
    "booking": "Service due: how to book (the booking page, or reply and the shop's contact line)",
}

SAMPLE = {
    "shop_name": "",  # filled from settings
    "shop_contact": "",
    "customer_name": "Rosa Reyes",
    "control_number": "SC-000123",
    "item": "Regulator first stage",
    "item_type": "Regulator",
    "brand": "Apeks",
    "model": "XTX50",
    "serial_number": "007AB123",
    "requested_service": "Annual service; free-flows at the surface",
    "accessories": "Octopus, gauge",
    "received_on": "27 November 2026",
    "promised_on": "4 December 2026",
    "status": "Ready for pickup",
    "status_url": "",  # filled from settings
    "days_waiting": "7",
    "released_on": "12 December 2026",
    "service_due": "- Apeks XTX50 regulator (serial 007AB123): annual service, due 27 December 2026\n"
    "- Faber FX12 cylinder: visual inspection, overdue since 1 November 2026",
    "booking": "Reply to this message to book, or contact us.",
}

# What an HTML template may not contain, in its source or once rendered (the editor says so); whatever gets
# through is removed by the sanitiser below before a message is stored, sent or previewed.
_UNSAFE_HTML = re.compile(
    r"<\s*(script|style|iframe|object|embed|form)\b|\bon[a-z]+\s*=|\bstyle\s*=|javascript:", re.IGNORECASE
)

# The HTML a message may carry (an allow-list, nh3): text formatting, links, images, lists and tables. No scripts,
# event handlers, styles, forms or frames, and links only to web, mail and phone addresses.
ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "div", "em", "h1", "h2", "h3", "h4", "hr", "i", "img", "li",
    "ol", "p", "pre", "s", "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
    "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "width", "height"},
    "ol": {"start"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto", "tel"}


def sanitise_html(html: str) -> str:
    """`html` with everything outside the allow-list removed (tags, attributes, URL schemes, comments)."""
    return nh3.clean(
        html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=ALLOWED_URL_SCHEMES, strip_comments=True
    )


_INVALID = "\x00{%s}\x00"
_INVALID_FOUND = re.compile("\x00{(.*?)}\x00")


class SandboxEngine(Engine):
    default_builtins = []


def _engine(string_if_invalid=""):
    return SandboxEngine(builtins=["notifications.rendering"], string_if_invalid=string_if_invalid, autoescape=True)


_ENGINE = _engine()
_CHECKING_ENGINE = _engine(_INVALID)


class TemplateProblem(Exception):
    """A template that cannot be used; the message says what to fix, for the manager."""


class _LoopBody(Node):
    """One turn of a {% for %} loop, counted against the part's bounds (kept in the render context)."""

    child_nodelists = ("nodelist",)

    def __init__(self, nodelist):
        self.nodelist = nodelist

    def render(self, context):
        budget = context.render_context
        budget["loop_iterations"] = budget.get("loop_iterations", 0) + 1
        if budget["loop_iterations"] > MAX_LOOP_ITERATIONS:
            raise TemplateProblem(
                f"The template repeats too much: its loops may go round at most {MAX_LOOP_ITERATIONS} times in all."
            )
        output = self.nodelist.render(context)
        budget["loop_output"] = budget.get("loop_output", 0) + len(output)
        if budget["loop_output"] > MAX_OUTPUT_CHARS:
            raise _too_long()
        return output


def _too_long():
    return TemplateProblem(f"The message is too long: at most {MAX_OUTPUT_CHARS:,} characters once written out.")


@register.tag("for")
def do_for(parser, token):
    """Django's {% for %}, bounded: not inside another loop, and each turn counted (_LoopBody)."""
    if getattr(parser, "sandbox_in_loop", False):
        raise TemplateSyntaxError("a loop inside a loop is not allowed ({% for %} within {% for %}).")
    parser.sandbox_in_loop = True
    try:
        node = defaulttags.do_for(parser, token)
    finally:
        parser.sandbox_in_loop = False
    node.nodelist_loop = NodeList([_LoopBody(node.nodelist_loop)])
    return node


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str  # the whole HTML document that is mailed
    content: str  # its visible part, which the preview page shows


def shop_context() -> dict:
    return {"shop_name": settings.SHOP_NAME, "shop_contact": settings.SHOP_CONTACT}


def sample_context() -> dict:
    return {**SAMPLE, **shop_context(), "status_url": f"{settings.SITE_URL.rstrip('/')}/status/sample/"}


def _render(source: str, context: dict, *, html: bool, engine: Engine = _ENGINE) -> str:
    try:
        template = engine.from_string(source)
        output = template.render(Context(context, autoescape=html))
    except TemplateProblem:
        raise
    except TemplateSyntaxError as error:
        raise TemplateProblem(f"The template has an error: {error}") from error
    except Exception as error:  # a filter given a bad argument, and the like
        raise TemplateProblem(f"The template could not be rendered ({error.__class__.__name__}).") from error
    if len(output) > MAX_OUTPUT_CHARS:
        raise _too_long()
    return output


def _refuse_unsafe_html(html: str) -> None:
    if unsafe := _UNSAFE_HTML.search(html):
        raise TemplateProblem(
            f"“{unsafe.group(0)}” is not allowed: no scripts, forms, frames or inline styles "
            "(the layout styles every message)."
        )


def check(source: str, *, html: bool) -> str:
    """Render `source` with the sample data; TemplateProblem when it has an error or an unknown variable, or, for
    HTML, when its source or what it renders to has a script, a form, a frame, an event handler or a style."""
    if html:
        _refuse_unsafe_html(source)
    output = _render(source, sample_context(), html=html, engine=_CHECKING_ENGINE)
    if unknown := sorted(set(_INVALID_FOUND.findall(output))):
        names = ", ".join(f"“{{{{ {name} }}}}”" for name in unknown)
        raise TemplateProblem(f"Unknown variable {names}. The list below shows the ones you can use.")
    if html:
        _refuse_unsafe_html(output)  # pieces joined by the template language: <scr{# #}ipt>, {% firstof "<scr" %}
    try:  # again with long values, which take the other way through conditions written for the sample data
        _render(source, dict.fromkeys(VARIABLES, "W" * LONG_VALUE), html=html)
    except TemplateProblem as problem:
        raise TemplateProblem(f"With longer values ({LONG_VALUE} characters each): {problem}") from problem
    return output


def render_message(
    *, subject: str, body_text: str, body_html: str, context: dict, unsubscribe_url: str, logo_url: str = ""
) -> Rendered:
    """A whole message: the template's parts rendered with `context`, inside the shop's layout.

    `logo_url` defaults to the absolute address of SHOP_LOGO (a mail is read away from the site).
    """
    subject = " ".join(_render(subject, context, html=False).split())[:255]
    text = _render(body_text, context, html=False).strip()
    inner_html = sanitise_html(
        _render(body_html, context, html=True) if body_html.strip() else linebreaks(text, autoescape=True)
    )
    layout = {
        **shop_context(),
        "logo_url": logo_url or settings.SITE_URL.rstrip("/") + static(settings.SHOP_LOGO),
        "unsubscribe_url": unsubscribe_url,
        "subject": subject,
    }
    content = render_to_string("notifications/email/content.html", {**layout, "body": mark_safe(inner_html)})  # noqa: S308 (sanitised just above)
    return Rendered(
        subject=subject,
        # Plain text, not "safe" HTML: a page that shows it (the editor's preview) escapes it.
        text=str.__str__(render_to_string("notifications/email/layout.txt", {**layout, "body": text})),
        html=render_to_string("notifications/email/layout.html", {**layout, "content": mark_safe(content)}),  # noqa: S308 (rendered just above)
        content=content,
    )
