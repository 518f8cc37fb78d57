from django import forms

from tenants.services import MAX_SUSPENSION_REASON


class SuspendForm(forms.Form):
    reason = forms.CharField(
        max_length=MAX_SUSPENSION_REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The shop's staff see this reason on their dashboard; shoppers don't.",
    )
