"""Encryption at rest for what is stored secret: credentials' data, webhook signing
secrets. Fernet (AES-128-CBC with HMAC-SHA256, from `cryptography`) under the keys of
settings.STEPWISE_ENCRYPTION_KEYS: the first encrypts, every one decrypts, so a key is
rotated by putting the new one first and re-encrypting (`manage.py
rotate_encryption_key`, which uses `rotate` on every EncryptedTextField).

An encrypted value is text that starts with `fernet:`, so a column can tell a value
encrypted from one written before it was (a migration encrypts those)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import models

PREFIX = "fernet:"


class DecryptionFailed(Exception):
    """A stored value that no key in force decrypts (a key dropped too soon, or tampering)."""


@lru_cache(maxsize=1)
def _fernet() -> MultiFernet:
    keys = list(settings.STEPWISE_ENCRYPTION_KEYS)
    if not keys:
        raise ImproperlyConfigured("STEPWISE_ENCRYPTION_KEY names no key.")
    fernets = []
    for position, key in enumerate(keys, 1):
        try:
            fernets.append(Fernet(key))
        except (ValueError, TypeError):
            raise ImproperlyConfigured(
                f"STEPWISE_ENCRYPTION_KEY: key {position} is not a Fernet key (32 url-safe base64-encoded bytes; "
                'make one with: python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())")'
            ) from None
    return MultiFernet(fernets)


def _forget_keys(*, setting: str, **_: Any) -> None:
    if setting == "STEPWISE_ENCRYPTION_KEYS":
        _fernet.cache_clear()


setting_changed.connect(_forget_keys)


def encrypt(text: str) -> str:
    return PREFIX + _fernet().encrypt(text.encode()).decode()


def decrypt(value: str) -> str:
    if not value.startswith(PREFIX):
        raise DecryptionFailed("The value is not encrypted.")
    try:
        return _fernet().decrypt(value.removeprefix(PREFIX).encode()).decode()
    except InvalidToken:
        raise DecryptionFailed("No encryption key in force decrypts this value.") from None


def rotate(value: str) -> str:
    """The value encrypted again under the first key (it decrypts under any key in force)."""
    if not value.startswith(PREFIX):
        return encrypt(value)
    try:
        return PREFIX + _fernet().rotate(value.removeprefix(PREFIX).encode()).decode()
    except InvalidToken:
        raise DecryptionFailed("No encryption key in force decrypts this value.") from None


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """Text stored encrypted; read as plain text. Empty stays empty (no secret to keep).
    Not searchable: each encryption of the same text differs."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))
