from django import forms
from django.core.exceptions import ValidationError

from notifications import rendering
from notifications.models import MessageTemplate


class MessageTemplateForm(forms.ModelForm):
    """A manager's edit of one event's message; every part is checked by rendering it with sample data."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    class Meta:
        model = MessageTemplate
        fields = ["enabled", "subject", "body_text", "body_html"]
        widgets = {
            "body_text": forms.Textarea(attrs={"rows": 10}),
            "body_html": forms.Textarea(attrs={"rows": 10}),
        }

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

    def preview(self, *, logo_url: str) -> rendering.Rendered | None:
        """The draft rendered with sample data, as a customer would get it; None when the form has errors."""
        if not self.is_valid():
            return None
        data = self.cleaned_data
        return rendering.render_message(
            subject=data["subject"],
            body_text=data["body_text"],
            body_html=data["body_html"],
            context=rendering.sample_context(),
            unsubscribe_url=rendering.sample_context()["status_url"].replace("/status/", "/messages/unsubscribe/"),
            logo_url=logo_url,
        )


class MessageTemplateAdminForm(MessageTemplateForm):
    """The same checks in the admin (which keeps its own history instead of the version field)."""

    version = None
