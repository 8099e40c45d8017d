"""Tests for analysis.emails: syntax, typo correction, spam and placeholders."""

import numpy as np
import pandas as pd
import pytest
from equivalence import FastPath
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import emails
from analysis.emails import (
    EMAIL_COLUMNS,
    default_disposable_domains,
    default_popular_domains,
    domain_corrections,
    normalize_emails,
)

EMAIL_ISSUES = {"email_domain_typo", "email_invalid", "email_spam", "email_placeholder"}
EMAIL_PIECES = ["ivan", "Petrov", ".", "_", "@", "mail", "mial", "gmail", "yandex", ".ru", ".ry", ".com", ",", " ",
                "test", "no", "нет", "-", "1", "почта", ".рф", "mailto:"]
raw_values = st.lists(st.one_of(st.text(), st.none(), st.just(np.nan)), max_size=15)
email_like = st.lists(st.sampled_from(EMAIL_PIECES), max_size=8).map("".join)


@pytest.mark.parametrize(
    ("raw", "email", "domain", "quality", "issues"),
    [
        ("ivan@mail.ru", "ivan@mail.ru", "mail.ru", 0, ""),
        ("Ivan@Mail.RU ", "ivan@mail.ru", "mail.ru", 1, ""),
        ("ivan @ mail.ru", "ivan@mail.ru", "mail.ru", 1, ""),
        ("mailto:ivan@bk.ru", "ivan@bk.ru", "bk.ru", 1, ""),
        ("ivan@mail.ru.", "ivan@mail.ru", "mail.ru", 1, ""),
        ("ivan.petrov@company.ru", "ivan.petrov@company.ru", "company.ru", 0, ""),
        ("иван@почта.рф", "иван@почта.рф", "почта.рф", 0, ""),
        ("petrov@ymail.com", "petrov@ymail.com", "ymail.com", 0, ""),
        ("ivan@gmail.ru", "ivan@gmail.ru", "gmail.ru", 0, ""),
        ("ivan@yandex.by", "ivan@yandex.by", "yandex.by", 0, ""),
        ("ivan@mial.ru", "ivan@mail.ru", "mail.ru", 1, "email_domain_typo"),
        ("ivan@gmial.com", "ivan@gmail.com", "gmail.com", 1, "email_domain_typo"),
        ("ivan@yandex.ry", "ivan@yandex.ru", "yandex.ru", 1, "email_domain_typo"),
        ("ivan@mail.ri", "ivan@mail.ru", "mail.ru", 1, "email_domain_typo"),
        ("ivan@gmail.co", "ivan@gmail.com", "gmail.com", 1, "email_domain_typo"),
        ("ivan@yandx.ru", "ivan@yandex.ru", "yandex.ru", 1, "email_domain_typo"),
        ("ivan@yandeks.ru", "ivan@yandex.ru", "yandex.ru", 1, "email_domain_typo"),
        ("ivan@mail,ru", "ivan@mail.ru", "mail.ru", 1, "email_domain_typo"),
        ("test@test.ru", None, "test.ru", 10, "email_spam"),
        ("no@mail.ru", None, "mail.ru", 10, "email_spam"),
        ("1@siteforspam.com", None, "siteforspam.com", 10, "email_spam"),
        ("ivan@mailinator.com", None, "mailinator.com", 10, "email_spam"),
        ("x@example.com", None, "example.com", 10, "email_spam"),
        ("qwerty@gmail.com", None, "gmail.com", 10, "email_spam"),
        ("123@mail.ru", None, "mail.ru", 10, "email_spam"),
        ("nomail@yandex.ru", None, "yandex.ru", 10, "email_spam"),
        ("test@mial.ru", None, "mail.ru", 10, "email_domain_typo;email_spam"),
        ("нет", None, None, 2, "email_placeholder"),
        ("-", None, None, 2, "email_placeholder"),
        ("no", None, None, 2, "email_placeholder"),
        ("n/a", None, None, 2, "email_placeholder"),
        ("", None, None, 2, ""),
        ("просто текст", None, None, 10, "email_invalid"),
        ("ivan@", None, None, 10, "email_invalid"),
        ("ivan@@mail.ru", None, None, 10, "email_invalid"),
        ("ivan@mail", None, None, 10, "email_invalid"),
        ("ivan.@mail.ru", None, None, 10, "email_invalid"),
    ],
)
def test_single_values(raw, email, domain, quality, issues):
    row = normalize_emails(pd.Series([raw])).iloc[0]
    assert (row["email"] if pd.notna(row["email"]) else None) == email
    assert (row["domain"] if pd.notna(row["domain"]) else None) == domain
    assert row["quality"] == quality
    assert row["issues"] == issues


def test_suggested_only_for_typos():
    result = normalize_emails(pd.Series(["ivan@gmial.com", "Ivan@Mail.ru", "bad"]))
    assert result["suggested"].tolist()[0] == "ivan@gmail.com"
    assert result["suggested"].isna().tolist()[1:] == [True, True]


def test_domain_lists_come_from_the_reference():
    popular, disposable = default_popular_domains(), default_disposable_domains()
    assert popular[:3] == ("mail.ru", "gmail.com", "yandex.ru")
    assert {"bk.ru", "list.ru", "inbox.ru", "ya.ru", "rambler.ru", "icloud.com", "outlook.com"} <= set(popular)
    assert {"mailinator.com", "siteforspam.com", "example.com"} <= set(disposable)
    assert not set(popular) & set(disposable)


def test_typo_correction_rules():
    popular = ("mail.ru", "yandex.ru", "yandex.by", "gmail.com", "mail.com")
    corrections = domain_corrections(["yandex.ry", "gmail.ru", "hmail.com", "mai.ru", "far.away"], popular)
    assert corrections["yandex.ry"] == "yandex.ru"  # tie between .ru and .by: the more popular wins
    assert corrections["mai.ru"] == "mail.ru"  # a real domain one edit away is corrected too (documented)
    assert "hmail.com" not in corrections  # first letter must agree
    assert "far.away" not in corrections


def test_custom_domain_lists():
    result = normalize_emails(pd.Series(["a.b@shop.ru", "a.b@shap.ru"]), popular_domains=["shop.ru"],
                              disposable_domains=[])
    assert result["email"].tolist() == ["a.b@shop.ru", "a.b@shop.ru"]
    assert result["issues"].tolist() == ["", "email_domain_typo"]


def test_aligned_with_input_and_not_mutating():
    values = pd.Series(["ivan@mial.ru", None, "ivan@mial.ru"], index=[3, 1, 2])
    copy = values.copy()
    result = normalize_emails(values)
    assert result.index.tolist() == [3, 1, 2]
    assert result["quality"].tolist() == [1, 2, 1]
    pd.testing.assert_series_equal(values, copy)


def test_non_series_input_is_a_clear_error():
    with pytest.raises(ValueError, match="email"):
        normalize_emails("ivan@mail.ru")


def _check(values):
    result = normalize_emails(pd.Series(values, dtype=object))
    assert len(result) == len(values)
    assert set(result["quality"]) <= {0, 1, 2, 10}
    assert {code for issues in result["issues"] for code in issues.split(";") if code} <= EMAIL_ISSUES
    assert result["email"].notna().tolist() == result["quality"].isin([0, 1]).tolist()
    usable = result["email"].dropna()
    again = normalize_emails(usable.astype(object))
    assert again["email"].tolist() == usable.tolist()
    assert set(again["quality"]) <= {0}
    assert set(again["issues"]) <= {""}


@settings(max_examples=60, deadline=None)
@given(raw_values)
def test_never_raises_and_is_idempotent_on_any_text(values):
    _check(values)


@settings(max_examples=60, deadline=None)
@given(st.lists(email_like, max_size=10))
def test_idempotent_on_email_like_text(values):
    _check(values)


# The fast path (plain addresses at known domains, checked with Arrow) against email-validator one by one.

def _validator_rows(texts: list[str]) -> list[tuple]:
    """The per-address definition: every text parsed by email-validator, unknown domains corrected."""
    popular, disposable = default_popular_domains(), frozenset(default_disposable_domains())
    known = frozenset(popular) | disposable
    parsed = [emails._parse(text) for text in texts]
    unknown = (item.domain for item in parsed if isinstance(item, emails._Address) and item.domain not in known)
    corrections = domain_corrections(unknown, popular)
    return [emails._finish(t, item, corrections, disposable) for t, item in zip(texts, parsed)]


EMAILS = FastPath(normalize_emails, _validator_rows, EMAIL_COLUMNS, "email")


LOCAL_PARTS = ["ivan", "Ivan.Petrov", "i.petrov85", "anna_s", "olga-k", "user+tag", "IVAN", "x", "1", "123", "test",
               "test12", "Test", "no", "nomail", "no-reply", "qwerty", "aaaa", "----", "__", "a..b", ".ivan", "ivan.",
               "иван", "ivan petrov", "ivan,p", "a" * 64, "b" * 65, "c" * 250, "ivan@home", '"ivan"', "ivan!#$%"]
DOMAINS = [*default_popular_domains()[:12], *default_disposable_domains()[:6], "MAIL.RU", "Gmail.Com", "mail.ru.",
           "mial.ru", "mail,ru", "company.ru", "yandex", "-mail.ru", "почта.рф", "xn--80a1acny.xn--p1ai"]


def test_fast_path_equals_email_validator_on_combinations():
    values = [f"{local}@{domain}" for i, local in enumerate(LOCAL_PARTS) for domain in DOMAINS[i % 5 :: 3]]
    values += [f"ivan.petrov@{domain}" for domain in (*default_popular_domains(), *default_disposable_domains())]
    values += [" ivan@mail.ru", "mailto:ivan@mail.ru", "ivan@@mail.ru", "нет", "", "-"]
    series = pd.Series(values, dtype="string[pyarrow]")
    plain, _ = emails._plain_rows(series.astype(object), emails._plain_domains(frozenset(DOMAINS)),
                                  frozenset(default_disposable_domains()))
    assert len(plain) > len(values) // 3  # the fast path decides most of them
    EMAILS.check(series)


ascii_email_like = st.lists(st.sampled_from(["iv", "AN", "7", ".", "_", "-", "+", "@", "mail.ru", "gmail.com",
                                             "mailinator.com", "yandex.ru", "test", "no", "1", "a"]), max_size=8).map("".join)


@settings(max_examples=200, deadline=None)
@given(st.lists(ascii_email_like, max_size=10))
def test_fast_path_equals_email_validator_on_ascii_text(values):
    EMAILS.check(values)


@settings(max_examples=60, deadline=None)
@given(st.lists(email_like, max_size=10))
def test_fast_path_equals_email_validator_on_email_like_text(values):
    EMAILS.check(values)
