from django import forms
from django.core.exceptions import ValidationError

from notifications import rendering
from notifications.models import MessageTemplate
from service_center.forms import BootstrapFormMixin


class TemplateChecksMixin:
    """Every part of a message template is checked by rendering it with sample data (rendering.check)."""

    def _checked(self, name, *, html):
        value = self.cleaned_data[name]
        try:
            rendering.check(value, html=html)
        except rendering.TemplateProblem as problem:
            raise ValidationError(str(problem), code="template") from problem
        return value

    def clean_subject(self):
        return self._checked("subject", html=False)

    def clean_body_text(self):
        return self._checked("body_text", html=False)

    def clean_body_html(self):
        return self._checked("body_html", html=True)


class MessageTemplateAdminForm(TemplateChecksMixin, forms.ModelForm):
    """The admin's form: the same checks (the admin keeps its own history instead of a version field)."""

    class Meta:
        model = MessageTemplate
        fields = ["enabled", "subject", "body_text", "body_html"]


class MessageTemplateForm(BootstrapFormMixin, TemplateChecksMixin, forms.ModelForm):
    """A manager's edit of one event's message, on the managers' page with a preview."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    class Meta:
        model = MessageTemplate
        fields = ["enabled", "subject", "body_text", "body_html"]
        widgets = {
            "body_text": forms.Textarea(attrs={"rows": 10, "class": "font-monospace"}),
            "body_html": forms.Textarea(attrs={"rows": 10, "class": "font-monospace"}),
        }

    def preview(self, *, logo_url: str) -> rendering.Rendered | None:
        """The draft rendered with sample data, as a customer would get it; None when the form has errors."""
        if not self.is_valid():
            return None
        data, sample = self.cleaned_data, rendering.sample_context()
        return rendering.render_message(
            subject=data["subject"],
            body_text=data["body_text"],
            body_html=data["body_html"],
            context=sample,
            unsubscribe_url=sample["status_url"].replace("/status/", "/messages/unsubscribe/"),
            logo_url=logo_url,
        )
