from rest_framework import serializers

from accounts.models import User


class RegisterSerializer(serializers.Serializer):
    username = serializers.RegexField(r"^[\w.@+-]+\Z", max_length=150)
    email = serializers.EmailField()
    password = serializers.CharField(write_only=True, max_length=128, style={"input_type": "password"})
    display_name = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")


class RegisteredSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ("id", "username", "display_name")


class MeSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ("id", "username", "display_name", "email", "is_instructor")
        read_only_fields = ("id", "username", "is_instructor")


class MeUpdateSerializer(serializers.Serializer):
    """What PATCH me/ may change; accounts.services.update_profile validates and saves."""

    display_name = serializers.CharField(max_length=120, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
