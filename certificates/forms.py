from django import forms

from certificates.services import NAME_MAX_LENGTH, REASON_MAX_LENGTH


class NameForm(forms.Form):
    name = forms.CharField(
        label="How should your name appear?",
        max_length=NAME_MAX_LENGTH,
        help_text="Printed on your certificates exactly like this. You can set it once.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label="Reason for revoking",
        max_length=REASON_MAX_LENGTH,
        help_text="Shown to everyone who verifies this certificate.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
