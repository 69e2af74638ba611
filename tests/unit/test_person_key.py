"""The pseudonymous person key: the same person gives the same key, nobody without the secret can tell whose."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cadtriage.calls.person import person_key


def test_one_phone_written_many_ways_is_one_person() -> None:
    keys = {
        person_key("s3cret", "1", person_id=None, phone=phone)
        for phone in ("(206) 555-0199", "206.555.0199", "+1 206 555 0199", "12065550199")
    }
    assert len(keys) == 1
    assert None not in keys


def test_an_upstream_person_id_wins_over_the_phone() -> None:
    by_id = person_key("s3cret", "1", person_id="MRN-4471", phone="206-555-0199")
    assert by_id == person_key("s3cret", "1", person_id=" mrn-4471 ", phone=None)
    assert by_id != person_key("s3cret", "1", person_id=None, phone="206-555-0199")


def test_no_secret_or_no_identity_gives_no_key() -> None:
    assert person_key("", "1", person_id="MRN-4471", phone=None) is None
    assert person_key("s3cret", "1", person_id=None, phone=None) is None
    assert person_key("s3cret", "1", person_id=None, phone="911") is None  # too short to be anyone's


@given(phone=st.from_regex(r"\+?1?[2-9][0-9]{9}", fullmatch=True))
def test_keys_change_with_the_secret_and_the_version_and_never_show_the_number(phone: str) -> None:
    key = person_key("s3cret", "1", person_id=None, phone=phone)
    assert key is not None
    assert key != person_key("other", "1", person_id=None, phone=phone)
    assert key != person_key("s3cret", "2", person_id=None, phone=phone)
    assert phone[-10:] not in key
