"""Members' phone numbers and birth dates are encrypted at rest: the database holds neither in plain
text, the key lives outside it (data_dir/data_key, mode 0600, or the data_key setting), and the admin
still reads them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import text
from sqlalchemy.orm import Session

from screen_server import privacy
from screen_server.org.models import Member
from screen_server.runtime import Runtime
from tests.helpers.factories import make_member


def test_phone_and_birth_date_are_ciphertext_in_the_database(session: Session, runtime: Runtime) -> None:
    member = make_member(session, phone="13812345678", birth_date=dt.date(1971, 7, 1))
    session.commit()
    raw = session.execute(text("SELECT phone, birth_date FROM members WHERE id = :id"), {"id": member.id}).one()
    assert raw.phone.startswith(privacy.PREFIX) and "13812345678" not in raw.phone
    assert raw.birth_date.startswith(privacy.PREFIX) and "1971" not in raw.birth_date
    session.expire_all()
    again = session.get(Member, member.id)
    assert again is not None and again.phone == "13812345678" and again.birth_date == dt.date(1971, 7, 1)


def test_the_key_is_kept_outside_the_database_and_private(tmp_path: Path) -> None:
    key = privacy.load_key(tmp_path / "data")
    assert (tmp_path / "data" / "data_key").stat().st_mode & 0o077 == 0
    assert privacy.load_key(tmp_path / "data") == key  # made once
    configured = Fernet.generate_key().decode()
    assert privacy.load_key(tmp_path / "other", configured) == configured.encode()


def test_plain_values_from_before_are_still_read() -> None:
    assert privacy.decrypt("13900000000") == "13900000000"
    assert privacy.EncryptedDate().process_result_value("1980-02-03", None) == dt.date(1980, 2, 3)
