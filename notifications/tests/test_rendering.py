"""Message templates are Django templates in a sandbox: documented variables only, no tags that reach out."""

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
