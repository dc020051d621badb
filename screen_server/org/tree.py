"""The organisation tree's units of work: the Party committee (rename), its branches (create, rename,
short name, order, deactivate) and each branch's party groups (the same).

Who may do what: a system admin changes everything; a branch secretary reads only their own branch and
may change its party groups, nothing else. Every change is audited. A branch that still has active
members cannot be deactivated (``BranchHasMembers`` says how many, so the page can point to the members
page). Services flush; the caller commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from screen_server.audit.services import record
from screen_server.errors import Forbidden, Invalid, NotFound
from screen_server.i18n import _
from screen_server.org.models import Branch, Committee, Member, PartyGroup, Role, User


class BranchHasMembers(Invalid):
    """Deactivating a branch that still has active members."""

    code = "branch_has_members"

    def __init__(self, message: str, branch_id: int, count: int) -> None:
        super().__init__(message, details={"branch_id": branch_id, "members": count})
        self.branch_id = branch_id
        self.count = count


@dataclass
class BranchNode:
    branch: Branch
    members: int  # active members
    secretaries: list[User] = field(default_factory=list)


@dataclass
class OrgTree:
    committee: Committee | None
    branches: list[BranchNode]


def _require_admin(user: User) -> None:
    if user.role is not Role.ADMIN:
        raise Forbidden(_("只有系统管理员可以修改党委和支部。"))


def _clean_name(value: str, what: str, limit: int = 100) -> str:
    value = " ".join((value or "").split())
    if not value:
        raise Invalid(_("请填写{w}。").format(w=what))
    if len(value) > limit:
        raise Invalid(_("{w}不能超过 {n} 个字符。").format(w=what, n=limit))
    return value


def organisation_tree(session: Session, user: User) -> OrgTree:
    """The committee and the branches the user may see (a secretary: their own), with groups and counts."""
    if user.role not in (Role.ADMIN, Role.SECRETARY):
        raise Forbidden(_("您没有查看组织机构的权限。"))
    stmt = select(Branch).options(selectinload(Branch.groups)).order_by(Branch.active.desc(), Branch.position, Branch.id)
    if user.role is Role.SECRETARY:
        stmt = stmt.where(Branch.id == (user.branch_id or 0))
    branches = list(session.scalars(stmt))
    ids = [b.id for b in branches]
    counts = dict(session.execute(  # type: ignore[arg-type]
        select(Member.branch_id, func.count()).where(Member.branch_id.in_(ids), Member.active.is_(True))
        .group_by(Member.branch_id)
    ).all())
    secretaries: dict[int, list[User]] = {}
    for u in session.scalars(select(User).where(User.role == Role.SECRETARY, User.active.is_(True),
                                                User.branch_id.in_(ids)).order_by(User.username)):
        secretaries.setdefault(u.branch_id or 0, []).append(u)
    committee = session.scalar(select(Committee).order_by(Committee.id).limit(1))
    return OrgTree(committee, [BranchNode(b, counts.get(b.id, 0), secretaries.get(b.id, [])) for b in branches])


def rename_committee(session: Session, user: User, name: str) -> Committee:
    """Name the Party committee (creating it on an installation that has none)."""
    _require_admin(user)
    name = _clean_name(name, _("党委名称"))
    committee = session.scalar(select(Committee).order_by(Committee.id).limit(1))
    old = committee.name if committee else None
    if committee is None:
        committee = Committee(name=name)
        session.add(committee)
    committee.name = name
    session.flush()
    record(session, actor_user_id=user.id, action="org.committee.rename", target_type="committee",
           target_id=committee.id, details={"from": old, "to": name})
    return committee


def _branch(session: Session, branch_id: int) -> Branch:
    branch = session.get(Branch, branch_id)
    if branch is None:
        raise NotFound(_("支部不存在。"))
    return branch


def _check_branch_name(session: Session, name: str, *, except_id: int | None = None) -> None:
    stmt = select(Branch.id).where(Branch.name == name)
    if except_id is not None:
        stmt = stmt.where(Branch.id != except_id)
    if session.scalar(stmt) is not None:
        raise Invalid(_("已有名为“{n}”的支部，请换一个名称。").format(n=name))


def create_branch(session: Session, user: User, *, name: str, short_name: str = "", position: int | None = None) -> Branch:
    """Add a branch under the committee, last in order unless ``position`` says otherwise (admins only)."""
    _require_admin(user)
    return add_branch(session, actor_user_id=user.id, name=name, short_name=short_name, position=position)


def add_branch(session: Session, *, actor_user_id: int | None, name: str, short_name: str = "",
               position: int | None = None) -> Branch:
    """The rules of a new branch, whoever asks (the tree page, or the roster import for the branches a file
    names): a unique name under the committee, last in order by default. Audited."""
    name = _clean_name(name, _("支部名称"))
    short_name = " ".join((short_name or "").split())
    if len(short_name) > 40:
        raise Invalid(_("{w}不能超过 {n} 个字符。").format(w=_("支部简称"), n=40))
    committee = session.scalar(select(Committee).order_by(Committee.id).limit(1))
    if committee is None:
        raise Invalid(_("请先填写党委名称，再添加支部。"))
    _check_branch_name(session, name)
    if position is None:
        position = (session.scalar(select(func.max(Branch.position))) or 0) + 1
    branch = Branch(committee_id=committee.id, name=name, short_name=short_name, position=position, active=True)
    session.add(branch)
    session.flush()
    record(session, actor_user_id=actor_user_id, action="org.branch.create", target_type="branch",
           target_id=branch.id, details={"name": name, "short_name": short_name})
    return branch


def update_branch(
    session: Session, user: User, branch_id: int, *, name: str, short_name: str = "", position: int | None = None
) -> Branch:
    """Rename a branch, change its short name or its place in the order."""
    _require_admin(user)
    branch = _branch(session, branch_id)
    name = _clean_name(name, _("支部名称"))
    short_name = " ".join((short_name or "").split())[:40]
    _check_branch_name(session, name, except_id=branch.id)
    before = {"name": branch.name, "short_name": branch.short_name, "position": branch.position}
    branch.name, branch.short_name = name, short_name
    if position is not None:
        branch.position = position
    session.flush()
    after = {"name": branch.name, "short_name": branch.short_name, "position": branch.position}
    record(session, actor_user_id=user.id, action="org.branch.update", target_type="branch", target_id=branch.id,
           details={"from": before, "to": after})
    return branch


def _swap(items: Sequence[Branch | PartyGroup], index: int, step: int) -> bool:
    """Number ``items`` 1…n in their order, then swap item ``index`` with its neighbour ``step`` away."""
    other = index + step
    if not 0 <= other < len(items) or step not in (-1, 1):
        return False
    for n, item in enumerate(items, start=1):
        item.position = n
    items[index].position, items[other].position = items[other].position, items[index].position
    return True


def move_branch(session: Session, user: User, branch_id: int, step: int) -> None:
    """Move a branch one place up (step -1) or down (+1) among the active branches."""
    _require_admin(user)
    branch = _branch(session, branch_id)
    siblings = list(session.scalars(select(Branch).where(Branch.active.is_(True)).order_by(Branch.position, Branch.id)))
    if branch in siblings and _swap(siblings, siblings.index(branch), step):
        session.flush()
        record(session, actor_user_id=user.id, action="org.branch.move", target_type="branch", target_id=branch.id,
               details={"step": step, "position": branch.position})


def set_branch_active(session: Session, user: User, branch_id: int, active: bool) -> Branch:
    """Deactivate a branch that has no active members, or bring one back."""
    _require_admin(user)
    branch = _branch(session, branch_id)
    if not active:
        count = session.scalar(select(func.count()).select_from(Member)
                               .where(Member.branch_id == branch.id, Member.active.is_(True))) or 0
        if count:
            raise BranchHasMembers(
                _("“{n}”还有 {c} 名党员，不能停用。请先在“党员”页面把他们转到其他支部（或登记离开），再停用这个支部。")
                .format(n=branch.name, c=count), branch.id, count)
    if branch.active != active:
        branch.active = active
        session.flush()
        record(session, actor_user_id=user.id, action="org.branch.activate" if active else "org.branch.deactivate",
               target_type="branch", target_id=branch.id, details={"name": branch.name})
    return branch


# Party groups: the admin for every branch, a secretary for their own.

def _branch_for_groups(session: Session, user: User, branch_id: int) -> Branch:
    if user.role is Role.SECRETARY:
        if branch_id != user.branch_id:
            raise Forbidden(_("您只能管理本支部的党小组。"))
    elif user.role is not Role.ADMIN:
        raise Forbidden(_("您没有管理党小组的权限。"))
    return _branch(session, branch_id)


def _group(session: Session, user: User, group_id: int) -> PartyGroup:
    group = session.get(PartyGroup, group_id)
    if group is None:
        raise NotFound(_("党小组不存在。"))
    _branch_for_groups(session, user, group.branch_id)
    return group


def _check_group_name(session: Session, branch: Branch, name: str, *, except_id: int | None = None) -> None:
    stmt = select(PartyGroup.id).where(PartyGroup.branch_id == branch.id, PartyGroup.name == name)
    if except_id is not None:
        stmt = stmt.where(PartyGroup.id != except_id)
    if session.scalar(stmt) is not None:
        raise Invalid(_("“{b}”已有名为“{n}”的党小组，请换一个名称。").format(b=branch.name, n=name))


def create_group(session: Session, user: User, branch_id: int, *, name: str) -> PartyGroup:
    """Add a party group at the end of a branch's groups (the admin, or that branch's secretary)."""
    branch = _branch_for_groups(session, user, branch_id)
    return add_group(session, actor_user_id=user.id, branch=branch, name=name)


def add_group(session: Session, *, actor_user_id: int | None, branch: Branch, name: str) -> PartyGroup:
    """The rules of a new party group, whoever asks: an active branch, a name unique in it, last in order.
    Audited."""
    if not branch.active:
        raise Invalid(_("“{b}”已停用，不能添加党小组。").format(b=branch.name))
    name = _clean_name(name, _("党小组名称"))
    _check_group_name(session, branch, name)
    position = (session.scalar(select(func.max(PartyGroup.position)).where(PartyGroup.branch_id == branch.id)) or 0) + 1
    group = PartyGroup(branch_id=branch.id, name=name, position=position, active=True)
    session.add(group)
    session.flush()
    record(session, actor_user_id=actor_user_id, action="org.group.create", target_type="party_group",
           target_id=group.id, details={"branch_id": branch.id, "name": name})
    return group


def rename_group(session: Session, user: User, group_id: int, *, name: str) -> PartyGroup:
    group = _group(session, user, group_id)
    name = _clean_name(name, _("党小组名称"))
    _check_group_name(session, group.branch, name, except_id=group.id)
    old, group.name = group.name, name
    session.flush()
    record(session, actor_user_id=user.id, action="org.group.rename", target_type="party_group", target_id=group.id,
           details={"from": old, "to": name})
    return group


def move_group(session: Session, user: User, group_id: int, step: int) -> None:
    """Move a party group one place up (-1) or down (+1) among its branch's active groups."""
    group = _group(session, user, group_id)
    siblings = list(session.scalars(select(PartyGroup).where(PartyGroup.branch_id == group.branch_id,
                                                             PartyGroup.active.is_(True))
                                    .order_by(PartyGroup.position, PartyGroup.id)))
    if group in siblings and _swap(siblings, siblings.index(group), step):
        session.flush()
        record(session, actor_user_id=user.id, action="org.group.move", target_type="party_group",
               target_id=group.id, details={"step": step, "position": group.position})


def set_group_active(session: Session, user: User, group_id: int, active: bool) -> PartyGroup:
    """Deactivate a party group (its members stay in the branch) or bring one back."""
    group = _group(session, user, group_id)
    if group.active != active:
        group.active = active
        session.flush()
        record(session, actor_user_id=user.id, action="org.group.activate" if active else "org.group.deactivate",
               target_type="party_group", target_id=group.id, details={"name": group.name})
    return group
