"""The canonical model: tables, their fields, types and which fields a row cannot do without."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["id", "text", "datetime", "float", "int", "bool"]


@dataclass(frozen=True)
class Field:
    """One canonical column: `id` and `text` stay text (ids keep leading zeros); `required` rows are quarantined without it."""

    name: str
    kind: Kind
    description: str
    required: bool = False


def _fields(*items: Field) -> dict[str, Field]:
    return {f.name: f for f in items}


CUSTOMER_FIELDS = _fields(
    Field("source_id", "id", "the customer's id in its system (1C code, app client id)", required=True),
    Field("full_name", "text", "one-field full name as in 1C «Наименование»"),
    Field("last_name", "text", "surname field of split-name sources"),
    Field("first_name", "text", "first-name field of split-name sources"),
    Field("patronymic", "text", "patronymic field of split-name sources"),
    Field("gender", "text", "M / F after the value map; other text kept for the audit"),
    Field("birth_date", "text", "birth date as written (partial dates exist; parsed by the quality audit)"),
    Field("phone", "text", "phone field as written, possibly several numbers"),
    Field("email", "text", "e-mail as written"),
    Field("country", "text", "country as written"),
    Field("city", "text", "city as written"),
    Field("address", "text", "postal address as written"),
    Field("passport", "id", "RF internal passport as written"),
    Field("inn", "id", "INN as written"),
    Field("snils", "id", "SNILS as written"),
    Field("card_number", "id", "loyalty card number"),
    Field("registration_date", "datetime", "when the customer was registered"),
    Field("updated_at", "datetime", "when the record was last changed"),
    Field("consent_sms", "bool", "consent to SMS"),
    Field("consent_email", "bool", "consent to e-mail"),
    Field("consent_viber", "bool", "consent to Viber"),
)

RECEIPT_FIELDS = _fields(
    Field("receipt_id", "id", "receipt or document id, unique within the source", required=True),
    Field("source_customer_id", "id", "the buyer's id in the same system; empty for anonymous sales"),
    Field("store", "text", "the store as the source names it (mapped to store_key)"),
    Field("datetime", "datetime", "date and time of the sale or return", required=True),
    Field("amount", "float", "receipt total in rubles, negative for returns", required=True),
    Field("items", "int", "number of lines or items"),
    Field("is_return", "bool", "the receipt is a return"),
    Field("return_of", "id", "the receipt a return refers to, when known"),
)

LINE_FIELDS = _fields(
    Field("receipt_id", "id", "the document the line belongs to (1C «Регистратор»)", required=True),
    Field("source_customer_id", "id", "the buyer's id; empty for anonymous sales"),
    Field("store", "text", "the store as the source names it"),
    Field("datetime", "datetime", "date and time of the document", required=True),
    Field("sku", "id", "article / SKU"),
    Field("product", "text", "product name"),
    Field("category", "text", "product group"),
    Field("quantity", "float", "quantity, negative in returns"),
    Field("amount", "float", "line amount in rubles, negative in returns", required=True),
    Field("is_return", "bool", "the line belongs to a return document"),
    Field("return_of", "id", "for returns, the sale document returned (1C «Основание»)"),
)

STORE_FIELDS = _fields(
    Field("store_key", "id", "one key per physical store across systems", required=True),
    Field("name", "text", "store name for reports"),
    Field("city", "text", "store city"),
)

CONTACT_FIELDS = _fields(
    Field("campaign_id", "id", "campaign identifier", required=True),
    Field("source", "text", "system of the contacted customer record; defaults to the source's `system`"),
    Field("source_customer_id", "id", "the contacted customer's id in that system", required=True),
    Field("group", "text", "treatment or control", required=True),
    Field("channel", "text", "viber / sms / email / post"),
    Field("sent_at", "datetime", "when the message was sent"),
    Field("delivered", "bool", "the message was delivered"),
    Field("read", "bool", "the message was read / opened"),
    Field("cost", "float", "message cost in rubles"),
)

TABLES: dict[str, dict[str, Field]] = {
    "customers": CUSTOMER_FIELDS,
    "receipts": RECEIPT_FIELDS,
    "receipt_lines": LINE_FIELDS,
    "stores": STORE_FIELDS,
    "campaign_contacts": CONTACT_FIELDS,
}

# Allowed canonical values where a field is an enumeration (after value maps).
ENUMS: dict[tuple[str, str], tuple[str, ...]] = {
    ("campaign_contacts", "group"): ("treatment", "control"),
}

# Text that means "nothing here" in exports; read as missing.
EMPTY_MARKERS = ("", "NULL", "null", "None", "nan", "NaN", "#N/A")
# Boolean spellings understood without a value map (compared in lower case).
TRUE_WORDS = ("1", "1.0", "true", "yes", "y", "да", "д", "+", "истина")
FALSE_WORDS = ("0", "0.0", "false", "no", "n", "нет", "н", "-", "ложь")
