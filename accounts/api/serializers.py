from __future__ import annotations

from datetime import datetime

from rest_framework import serializers

from accounts import throttle
from accounts.models import ApiToken


class ApiTokenSerializer(serializers.ModelSerializer[ApiToken]):
    """A token as listed: never its key, which is not stored."""

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "expires_at", "last_used_at"]
        read_only_fields = fields


class NewApiTokenSerializer(ApiTokenSerializer):
    """The answer to a creation, the one time the key is known."""

    key = serializers.CharField(read_only=True, help_text="Send it as `Authorization: Token <key>`. Shown this once: it is not stored.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "key"]
        read_only_fields = fields


class ApiTokenCreateSerializer(serializers.Serializer[None]):
    name = serializers.CharField(max_length=100, help_text="What the token is for (a laptop, CI, a script).")
    expires_at = serializers.DateTimeField(required=False, allow_null=True, help_text="When it stops working; null or absent: never.")

    def validate_expires_at(self, value: datetime | None) -> datetime | None:
        if value is not None and value <= throttle.now():
            raise serializers.ValidationError("Give a time in the future, or none for a token that does not expire.")
        return value
