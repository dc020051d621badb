"""Chinese words for the codes the admin shows: a kiosk's screen names, audit actions and their details.

Presentation only: an unknown code is shown as it is.
"""

from __future__ import annotations

from typing import Any

from screen_server.i18n import _
from screen_server.meetings.models import MEETING_TYPE_LABELS, MeetingType


def screen_label(screen: str) -> str:
    """What a screen reports it is showing (``kiosk.screens.REGISTRY`` names), in words."""
    labels = {
        "pairing": _("配对码"),
        "home": _("主页"),
        "announcements": _("通知公告"),
        "announcement": _("公告详情"),
        "attract": _("待机画面"),
        "wall": _("大屏主页"),
        "signin_wall": _("会议签到大屏"),
        "signin_pick": _("签到·选择姓名"),
        "signin_pin": _("签到·输入密码"),
        "signin_result": _("签到结果"),
    }
    return labels.get(screen, screen) if screen else "—"


def action_label(action: str) -> str:
    labels = {
        "user.login": _("登录成功"),
        "user.login_failed": _("登录失败"),
        "user.create": _("创建账号"),
        "member.import": _("导入花名册"),
        "member.set_pin": _("设置签到密码"),
        "meeting.create": _("创建会议"),
        "meeting.cancel": _("取消会议"),
        "meeting.leave": _("登记请假"),
        "meeting.makeup": _("补签"),
        "device.approve": _("配对设备"),
        "device.update": _("修改设备"),
        "device.revoke": _("停用设备"),
        "room.create": _("添加活动室"),
        "announcement.create": _("发布公告"),
        "announcement.withdraw": _("撤回公告"),
        "stats.exported": _("导出统计数据"),
    }
    return labels.get(action, action)


def target_label(target_type: str, target_id: str | None) -> str:
    kinds = {
        "user": _("账号"), "member": _("党员"), "meeting": _("会议"), "device": _("设备"), "room": _("活动室"),
        "announcement": _("公告"), "branch": _("支部"),
    }  # fmt: skip
    return f"{kinds.get(target_type, target_type)} {target_id or ''}".strip()


def describe_details(details: dict[str, Any] | None, limit: int = 8) -> str:
    """An audit entry's details as "标题：…；状态：…", long lists shortened."""
    if not details:
        return ""
    keys = {
        "title": _("标题"), "name": _("名称"), "username": _("用户名"), "role": _("角色"), "room": _("活动室"),
        "rooms": _("活动室"), "status": _("状态"), "type": _("类型"), "branches": _("支部"),
        "branch_ids": _("支部"), "expected": _("应到"), "filename": _("文件"), "created": _("新增"),
        "updated": _("更新"), "reason": _("原因"), "member": _("党员"), "code": _("配对码"),
        "branch": _("支部"), "period": _("时间段"), "first": _("开始日期"), "last": _("结束日期"),
    }  # fmt: skip
    parts = []
    for key, value in details.items():
        if key in ("file_sha256", "created_numbers", "updated_numbers"):
            continue
        if isinstance(value, list):
            shown = "、".join(str(v) for v in value[:limit]) + ("…" if len(value) > limit else "")
            value = shown or "—"
        elif isinstance(value, str):
            value = _value_label(value)
        parts.append(f"{keys.get(key, key)}：{value}")
    return "；".join(parts)


def _value_label(value: str) -> str:
    if value in {t.value for t in MeetingType}:
        return MEETING_TYPE_LABELS[MeetingType(value)]
    words = {
        "published": _("已发布"), "scheduled": _("待发布"), "withdrawn": _("已撤回"), "terminal": _("触摸终端"),
        "wall": _("互动大屏"), "admin": _("系统管理员"), "secretary": _("支部书记"), "editor": _("内容编辑"),
        "reviewer": _("内容审核"),
    }  # fmt: skip
    return words.get(value, value)
