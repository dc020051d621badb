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
        "library": _("学习园地"),
        "search": _("搜索"),
        "reader": _("阅读/观看"),
        "study_login": _("学习登录"),
        "my_study": _("我的学习"),
        "ranking": _("积分排行"),
        "practice": _("答题练习"),
        "contests": _("知识竞赛"),
        "contest_play": _("竞赛答题"),
        "contest_host_code": _("主持竞赛·输入主持码"),
        "contest_host": _("主持竞赛"),
        "wall_stats": _("数据统计大屏"),
        "wall_board": _("排行榜大屏"),
        "wall_contest": _("竞赛大屏"),
        "wall_poll": _("投票大屏"),
        "wall_messages": _("留言墙大屏"),
        "wall_media": _("海报/视频轮播"),
        "wall_emergency": _("紧急通知"),
    }
    return labels.get(screen, screen) if screen else "—"


def action_label(action: str) -> str:
    labels = {
        "user.login": _("登录成功"),
        "user.login_failed": _("登录失败"),
        "user.create": _("创建账号"),
        "member.import": _("导入花名册"),
        "member.set_pin": _("设置签到密码"),
        "member.create": _("添加党员"),
        "member.update": _("修改党员信息"),
        "member.left": _("登记党员离开"),
        "member.restore": _("恢复党员在册"),
        "member.move": _("调动党员支部"),
        "member.pins_issue": _("发放初始密码"),
        "member.pin_reset": _("重置党员密码"),
        "member.pin_change": _("党员设置自己的密码"),
        "member.stats_export": _("导出党员统计"),
        "org.committee.rename": _("修改党委名称"),
        "org.branch.create": _("创建支部"),
        "org.branch.update": _("修改支部"),
        "org.branch.move": _("调整支部顺序"),
        "org.branch.activate": _("启用支部"),
        "org.branch.deactivate": _("停用支部"),
        "org.group.create": _("创建党小组"),
        "org.group.rename": _("修改党小组名称"),
        "org.group.move": _("调整党小组顺序"),
        "org.group.activate": _("启用党小组"),
        "org.group.deactivate": _("停用党小组"),
        "setup.complete": _("完成初始设置"),
        "user.update": _("修改账号"),
        "user.activate": _("启用账号"),
        "user.password_change": _("修改自己的密码"),
        "user.password_reset": _("发放临时密码"),
        "meeting.held": _("会议已召开"),
        "meeting.minutes_saved": _("保存会议记录"),
        "meeting.photo_added": _("上传会议照片"),
        "meeting.template_saved": _("保存会议模板"),
        "poll.opened": _("开始投票"),
        "poll.revealed": _("公布投票结果"),
        "supervision.comment": _("上级督导意见"),
        "supervision.issue": _("下达整改要求"),
        "supervision.answer": _("答复整改要求"),
        "contest.export": _("导出竞赛成绩"),
        "room.wall_key_replaced": _("更换网页大屏密钥"),
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
        "alerts.threshold_set": _("设置预警阈值"),
        "alerts.threshold_reset": _("恢复默认预警阈值"),
        "assessment.config_set": _("设置考核权重"),
        "assessment.record_added": _("登记服务/贡献"),
        "assessment.record_deleted": _("删除服务/贡献记录"),
        "assessment.exported": _("导出考核结果"),
        "content.created": _("新建学习内容"),
        "content.updated": _("修改学习内容"),
        "content.category_created": _("新建栏目"),
        "contest.created": _("创建知识竞赛"),
        "contest.host_start": _("终端主持：开始竞赛"),
        "contest.host_next": _("终端主持：下一题"),
        "contest.host_close": _("终端主持：结束本题"),
        "contest.host_finish": _("终端主持：结束竞赛"),
        "emergency.shown": _("发布紧急通知"),
        "emergency.withdrawn": _("撤回紧急通知"),
        "meeting.expected": _("修改应到人员"),
        "message_topic.opened": _("开启留言墙"),
        "message_topic.closed": _("关闭留言墙"),
        "wall_message.approved": _("留言通过"),
        "wall_message.rejected": _("留言未通过"),
        "points.rule_updated": _("修改积分规则"),
        "poll.created": _("发起投票"),
        "poll.closed": _("结束投票"),
        "question.created": _("新建题目"),
        "question.updated": _("修改题目"),
        "questions.approved": _("审核通过题目"),
        "questions.imported": _("导入题库"),
        "screen.schedule_set": _("设置大屏播放计划"),
        "screen.switched": _("切换大屏画面"),
        "device.request_preview": _("查看设备画面"),
        "user.login_locked_out": _("账号或地址被锁定（密码错误过多）"),
        "user.login_refused": _("登录被拒（锁定中）"),
        "user.second_factor": _("两步验证通过"),
        "user.second_factor_failed": _("两步验证失败"),
        "user.second_factor_locked_out": _("两步验证被锁定"),
        "user.second_factor_refused": _("两步验证被拒（锁定中）"),
        "user.reauth": _("再次验证身份"),
        "user.reauth_failed": _("再次验证身份失败"),
        "user.totp_enabled": _("启用两步验证"),
        "user.totp_disabled": _("关闭两步验证"),
        "user.role_changed": _("更改用户角色"),
        "session.logout": _("退出登录"),
        "session.ended": _("结束会话"),
        "member.pin": _("党员密码验证成功"),
        "member.pin_failed": _("党员密码错误"),
        "member.pin_locked_out": _("党员编号或地址被锁定"),
        "member.pin_refused": _("党员密码验证被拒（锁定中）"),
        "member.phones_signed_out": _("退出所有手机"),
        "contest.code": _("加入竞赛"),
        "contest.code_failed": _("竞赛码错误"),
        "contest.code_locked_out": _("地址被锁定（竞赛码错误过多）"),
        "contest.code_refused": _("竞赛码被拒（锁定中）"),
        "contest.host_code_failed": _("主持码错误"),
        "contest.host_code_locked_out": _("终端被锁定（主持码错误过多）"),
        "contest.host_code_refused": _("主持码被拒（锁定中）"),
        "ledger.exported": _("导出会议台账"),
        "contest_results.exported": _("导出竞赛成绩"),
        "audit.exported": _("导出操作日志"),
        "audit.purged": _("清理过期日志"),
    }
    return labels.get(action, action)


def target_label(target_type: str, target_id: str | None) -> str:
    kinds = {
        "user": _("账号"), "member": _("党员"), "meeting": _("会议"), "device": _("设备"), "room": _("活动室"),
        "announcement": _("公告"), "branch": _("支部"), "poll": _("投票"), "alert_rule": _("预警阈值"),
        "assessment_config": _("考核年度"), "points_rule": _("积分规则"), "wall_message": _("留言"),
        "message_topic": _("留言主题"), "contest": _("竞赛"), "question": _("题目"), "item": _("学习内容"),
        "session": _("会话"),
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
        "channel": _("途径"), "locked_until": _("锁定至"), "by": _("锁定对象"), "minutes": _("分钟"),
        "rows": _("行数"), "device_id": _("设备"),
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
