from __future__ import annotations

from typing import Any

from rest_framework import serializers

from credentials.models import Credential
from credentials.services import credential_public


class CredentialTypeSerializer(serializers.Serializer[dict[str, Any]]):
    type = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    schema = serializers.JSONField(help_text="JSON Schema of the data; writeOnly fields are secret.")
    secret_fields = serializers.ListField(child=serializers.CharField())
    testable = serializers.BooleanField()


class CredentialSerializer(serializers.ModelSerializer[Credential]):
    values = serializers.DictField(read_only=True, help_text="The values of the fields that are not secret.")
    secrets_set = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="The secret fields that have a value (never the value)."
    )

    class Meta:
        model = Credential
        fields = ["id", "name", "type", "values", "secrets_set", "created_at", "updated_at"]
        read_only_fields = fields

    def to_representation(self, instance: Credential) -> dict[str, Any]:
        public = credential_public(instance)
        return {
            "id": instance.pk,
            "name": instance.name,
            "type": instance.type,
            "values": public["fields"],
            "secrets_set": public["secrets_set"],
            "created_at": serializers.DateTimeField().to_representation(instance.created_at),
            "updated_at": serializers.DateTimeField().to_representation(instance.updated_at),
        }


class CredentialCreateSerializer(serializers.Serializer[dict[str, Any]]):
    name = serializers.CharField(max_length=200)
    type = serializers.CharField(max_length=64)
    data = serializers.JSONField(  # type: ignore[assignment]  # a field named data: DRF's metaclass takes it off the class
        help_text="The credential's fields, as its type's schema says; secret ones are write-only."
    )


class CredentialUpdateSerializer(serializers.Serializer[dict[str, Any]]):
    name = serializers.CharField(max_length=200, required=False)
    data = serializers.JSONField(  # type: ignore[assignment]  # as above
        required=False, help_text="Fields to change; a secret field left out keeps its value, null clears a field."
    )


class CredentialTestRequestSerializer(serializers.Serializer[dict[str, Any]]):
    url = serializers.CharField(max_length=2000, required=False, help_text="For HTTP credentials: the URL to GET with it.")


class CredentialTestSerializer(serializers.Serializer[dict[str, Any]]):
    ok = serializers.BooleanField()
    message = serializers.CharField()
    status = serializers.IntegerField(allow_null=True)
