from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from content import categories
from content.errors import DuplicateName, InvalidContent


def test_builtin_categories_are_made_once(session: Session) -> None:
    first = categories.ensure_builtin_categories(session)
    again = categories.ensure_builtin_categories(session)
    assert [c.id for c in first] == [c.id for c in again]
    assert [c.name for c in categories.list_categories(session)] == list(categories.BUILTIN_CATEGORIES)
    assert all(c.builtin for c in first)


def test_admins_add_categories_after_the_builtin_ones(session: Session) -> None:
    categories.ensure_builtin_categories(session)
    added = categories.create_category(session, "  乡村振兴 ")
    assert added.name == "乡村振兴" and not added.builtin
    assert categories.list_categories(session)[-1] is added
    with pytest.raises(DuplicateName) as err:
        categories.create_category(session, "乡村振兴")
    assert "已存在" in err.value.message
    with pytest.raises(InvalidContent):
        categories.create_category(session, " ")


def test_tags_are_reused(session: Session) -> None:
    a = categories.get_or_create_tags(session, ["党课", " 党史 ", "", "党课"])
    b = categories.get_or_create_tags(session, ["党史"])
    assert [t.name for t in a] == ["党课", "党史"] and b[0] is a[1]
    with pytest.raises(InvalidContent):
        categories.get_or_create_tags(session, ["长" * 31])
