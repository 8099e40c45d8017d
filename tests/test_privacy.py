"""Masking of personal data for stakeholder HTML."""
import json

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from analysis import privacy


def test_phone_keeps_prefix_and_last_two_digits():
    assert privacy.mask_phone("+79161234567") == "+7916*****67"
    assert privacy.mask_phone("8 (916) 123-45-67") == "8 (916) ***-**-67"


def test_email_keeps_first_letter_and_domain():
    assert privacy.mask_email("ivanov@mail.ru") == "i*****@mail.ru"
    assert privacy.mask_email("no-at-sign") == "n*-a*-s***"


def test_names_keep_initials_only():
    assert privacy.mask_text("Иванов Иван Иванович") == "И***** И*** И*******"


def test_frame_masks_only_personal_columns():
    frame = pd.DataFrame({"phone": ["+79161234567"], "full_name": ["Петров Пётр"], "amount": [10.5]})
    out = privacy.mask_frame(frame)
    assert out.loc[0, "phone"] == "+7916*****67" and out.loc[0, "full_name"] == "П***** П***" and out.loc[0, "amount"] == 10.5
    assert frame.loc[0, "phone"] == "+79161234567"  # input untouched


def test_quarantine_record_masks_personal_fields_and_keeps_others():
    record = json.dumps({"receipt_id": "Чек 1", "source_customer_id": "000123", "amount": "abc"}, ensure_ascii=False)
    assert privacy.mask_record(record) == "receipt_id=Чек 1; source_customer_id=0*****; amount=abc"


@given(st.text())
def test_masking_never_raises_and_hides_long_words(text):
    masked = privacy.mask_text(text)
    assert len(masked) == len(text)
    for word in privacy._WORD.findall(text):
        if len(word) > 1:
            assert word not in masked or set(word[1:]) <= {"*"}
