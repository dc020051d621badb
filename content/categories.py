"""Categories (the library's shelves) and tags: the six builtin categories and any an admin adds.

Services flush; the caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from content.errors import DuplicateName, InvalidContent
from content.i18n import _
from content.models import Category, Tag

BUILTIN_CATEGORIES = ("党史学习", "党章党规", "政策解读", "行业案例", "廉政教育", "先进典型")


def ensure_builtin_categories(session: Session) -> list[Category]:
    """Create the six builtin categories that are missing; return all six in order."""
    existing = {
        c.name: c for c in session.scalars(select(Category).where(Category.name.in_(BUILTIN_CATEGORIES)))
    }
    result = []
    for position, name in enumerate(BUILTIN_CATEGORIES):
        category = existing.get(name)
        if category is None:
            category = Category(name=name, position=position, builtin=True)
            session.add(category)
        result.append(category)
    session.flush()
    return result


def create_category(session: Session, name: str) -> Category:
    """Add a category an admin named, after the existing ones."""
    name = name.strip()
    if not name or len(name) > 50:
        raise InvalidContent(_("分类名称不能为空，且不超过 50 个字。"))
    if session.scalar(select(Category.id).where(Category.name == name)) is not None:
        raise DuplicateName(_("分类“{name}”已存在。").format(name=name))
    last = session.scalars(select(Category.position).order_by(Category.position.desc())).first()
    category = Category(name=name, position=(last or 0) + 1, builtin=False)
    session.add(category)
    session.flush()
    return category


def list_categories(session: Session) -> Sequence[Category]:
    return session.scalars(select(Category).order_by(Category.position, Category.id)).all()


def get_or_create_tags(session: Session, names: Iterable[str]) -> list[Tag]:
    """Return the tags of these names, creating the missing ones (blank names are ignored)."""
    wanted = list(dict.fromkeys(n.strip() for n in names if n.strip()))
    if any(len(n) > 30 for n in wanted):
        raise InvalidContent(_("标签不超过 30 个字。"))
    found = {t.name: t for t in session.scalars(select(Tag).where(Tag.name.in_(wanted)))}
    for name in wanted:
        if name not in found:
            found[name] = Tag(name=name)
            session.add(found[name])
    session.flush()
    return [found[n] for n in wanted]
