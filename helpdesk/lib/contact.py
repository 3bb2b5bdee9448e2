"""Normalised contact details, so that "0812-3456-789", "+62 812 3456 789" and "62812345678 9" are the
same customer, and an email typed with capitals still matches the one on record."""

from __future__ import annotations

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _


def normalise_phone(raw: str) -> str:
    """E.164 form of a phone number (Indonesian numbers may be written locally), or ValidationError."""
    text = (raw or "").strip()
    if not text or len(text) > 32:
        raise ValidationError(_("Enter a valid phone number."), code="invalid_phone")
    try:
        number = phonenumbers.parse(text, settings.HELPDESK["DEFAULT_PHONE_REGION"])
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(_("Enter a valid phone number."), code="invalid_phone") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("Enter a valid phone number."), code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(raw: str) -> str:
    """Lower-cased, trimmed email address, or ValidationError."""
    text = (raw or "").strip().lower()
    validate_email(text)
    return text


def contact_matches(contact: str, *, email: str, phone: str) -> bool:
    """Whether a typed contact (email or phone) is the email or phone on record."""
    text = (contact or "").strip()
    if not text:
        return False
    if "@" in text:
        try:
            return bool(email) and normalise_email(text) == email
        except ValidationError:
            return False
    try:
        return bool(phone) and normalise_phone(text) == phone
    except ValidationError:
        return False
