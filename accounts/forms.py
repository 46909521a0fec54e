from django import forms
from django.contrib.auth.forms import UserCreationForm

from accounts.models import User


class SignUpForm(UserCreationForm):
    display_name = forms.CharField(
        max_length=120, required=False, help_text="The name on your certificates. You can change it later."
    )
    email = forms.EmailField(required=True)

    class Meta:
        model = User
        fields = ("username", "email", "display_name")


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ("display_name", "email")
        help_texts = {"display_name": "The name printed on your certificates."}
