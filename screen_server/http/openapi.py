"""The OpenAPI 3 description of the JSON API. A test checks it names every /api route and no other."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from screen_server import __version__

bp = Blueprint("openapi", __name__)

_ERROR = {"$ref": "#/components/schemas/Error"}


ARR: dict[str, Any] = {"type": "array", "items": {"type": "object"}}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Any]:
    return {str(c): _json(_ERROR, "错误") for c in codes}


OBJ: dict[str, Any] = {"type": "object"}
DEVICE_AUTH: list[dict[str, list[str]]] = [{"deviceToken": []}]
SESSION_AUTH: list[dict[str, list[str]]] = [{"adminSession": []}]

# Whole numbers, given once; out of range (or twice, or not a number) is refused with 400.
_OFFSET = {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 2**63 - 1}}
_LIMIT = {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 50}}
_MEETING_ID = {"name": "meeting_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_LEDGER_PARAMS = [
    {"name": "branch_id", "in": "query", "schema": {"type": "integer"}},
    {"name": "start", "in": "query", "schema": {"type": "string", "format": "date"}},
    {"name": "end", "in": "query", "schema": {"type": "string", "format": "date"}},
]

PATHS: dict[str, dict[str, Any]] = {
    "/api/server-info": {
        "get": {"summary": "服务器信息与 WebSocket 地址", "responses": {"200": _json({
            "type": "object", "required": ["name", "ws_url", "server_time", "protocol"],
            "properties": {"name": {"type": "string"}, "ws_url": {"type": "string"},
                           "server_time": {"type": "string", "format": "date-time"},
                           "protocol": {"type": "integer"}}})}},
    },
    "/api/devices/pairing": {
        "post": {
            "summary": "无令牌的设备申请配对码",
            "requestBody": {"content": {"application/json": {"schema": {
                "type": "object", "required": ["mode"],
                "properties": {"mode": {"enum": ["terminal", "wall"]}, "name": {"type": "string"},
                               "version": {"type": "string"}}}}}},
            "responses": {"201": _json({"$ref": "#/components/schemas/Pairing"}), **_errors(400)},
        }
    },
    "/api/devices/pairing/{claim}": {
        "get": {
            "summary": "设备查询配对状态（获准后领取令牌）",
            "parameters": [{"name": "claim", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": _json({"$ref": "#/components/schemas/Pairing"})},
        }
    },
    "/api/device/snapshot": {
        "get": {"summary": "设备当前应显示的全部状态", "security": DEVICE_AUTH,
                "responses": {"200": _json({"type": "object", "required": ["seq", "state"], "properties": {
                    "seq": {"type": "integer"}, "state": OBJ}}), **_errors(401)}}
    },
    "/api/device/preview": {
        "post": {"summary": "设备上传当前屏幕截图（PNG）", "security": DEVICE_AUTH,
                 "requestBody": {"content": {"image/png": {"schema": {"type": "string", "format": "binary"}}}},
                 "responses": {"204": {"description": "已保存"}, **_errors(400, 401)}}
    },
    "/api/members": {
        "get": {"summary": "党员列表（按角色与支部限定范围）", "security": SESSION_AUTH,
                "parameters": [
                    {"name": "branch_id", "in": "query", "schema": {"type": "integer"}},
                    {"name": "q", "in": "query", "schema": {"type": "string"}},
                    _OFFSET, _LIMIT],
                "responses": {"200": _json({"type": "object", "properties": {
                    "total": {"type": "integer"}, "items": {"type": "array", "items": OBJ}}}),
                    **_errors(400, 401, 403)}}
    },
    "/api/members/{member_id}": {
        "get": {"summary": "单个党员", "security": SESSION_AUTH,
                "parameters": [{"name": "member_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "responses": {"200": _json(OBJ), **_errors(401, 404)}}
    },
    "/api/branches": {
        "get": {"summary": "当前用户可见的支部", "security": SESSION_AUTH,
                "responses": {"200": _json(OBJ), **_errors(401)}}
    },
    "/api/announcements": {
        "get": {"summary": "某活动室当前有效的公告", "security": SESSION_AUTH,
                "parameters": [{"name": "room_id", "in": "query", "schema": {"type": "integer"}}],
                "responses": {"200": _json(OBJ), **_errors(401)}}
    },
    "/api/ws/tickets": {
        "post": {"summary": "为浏览器签发一次性 WebSocket 票据（60 秒有效）", "security": SESSION_AUTH,
                 "responses": {"201": _json({"type": "object", "properties": {
                     "ticket": {"type": "string"}, "expires_in": {"type": "integer"}}}), **_errors(401)}}
    },
    "/api/meetings/{meeting_id}/signins": {
        "post": {
            "summary": "已记住身份的手机用当前二维码令牌签到（同一 client_id 重发只计一次）",
            "security": [{"phoneCookie": []}],
            "parameters": [{"name": "meeting_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "requestBody": {"content": {"application/json": {"schema": {
                "type": "object", "required": ["token"],
                "properties": {"token": {"type": "string"}, "client_id": {"type": "string", "maxLength": 64}}}}}},
            "responses": {"201": _json({"$ref": "#/components/schemas/SignIn"}, "已签到"),
                          "200": _json({"$ref": "#/components/schemas/SignIn"}, "此前已签到"),
                          **_errors(400, 401, 404, 409)},
        }
    },
    "/api/device/roster": {
        "get": {"summary": "终端签到用：本活动室正在签到的会议及应到人员（按支部）", "security": DEVICE_AUTH,
                "responses": {"200": _json(OBJ), **_errors(401)}}
    },
    "/api/device/signins": {
        "post": {
            "summary": "党员在终端上选择姓名并输入密码签到", "security": DEVICE_AUTH,
            "requestBody": {"content": {"application/json": {"schema": {
                "type": "object", "required": ["meeting_id", "member_id", "pin"],
                "properties": {"meeting_id": {"type": "integer"}, "member_id": {"type": "integer"},
                               "pin": {"type": "string"}, "client_id": {"type": "string"}}}}}},
            "responses": {"201": _json({"$ref": "#/components/schemas/SignIn"}, "已签到"),
                          "200": _json({"$ref": "#/components/schemas/SignIn"}, "此前已签到"),
                          **_errors(400, 401, 403, 404)},
        }
    },
    "/api/device/offline/pins": {
        "get": {"summary": "终端离线登录用：在岗党员的签到密码哈希（终端加密保存，72 小时有效）", "security": DEVICE_AUTH,
                "responses": {"200": _json(OBJ), **_errors(401)}}
    },
    "/api/device/offline/signins": {
        "post": {
            "summary": "终端在服务器中断期间排队的签到（密码已在终端核对）；被拒绝的记为离线冲突", "security": DEVICE_AUTH,
            "requestBody": {"content": {"application/json": {"schema": {
                "type": "object", "required": ["meeting_id", "member_id", "client_id", "device_clock"],
                "properties": {"meeting_id": {"type": "integer"}, "member_id": {"type": "integer"},
                               "client_id": {"type": "string"}, "device_clock": {"type": "string"},
                               "clock_offset_s": {"type": "number"}}}}}},
            "responses": {"201": _json({"$ref": "#/components/schemas/SignIn"}, "已签到"),
                          "200": _json(OBJ, "此前已签到，或被拒绝并记为离线冲突（conflict）"),
                          **_errors(400, 401)},
        }
    },
    "/api/meetings": {
        "get": {"summary": "会议列表（支部书记只见本支部）", "security": SESSION_AUTH,
                "parameters": [{"name": "branch_id", "in": "query", "schema": {"type": "integer"}}],
                "responses": {"200": _json(OBJ), **_errors(401, 403)}},
        "post": {"summary": "创建会议（应到人员默认为所选支部全体党员）", "security": SESSION_AUTH,
                 "requestBody": {"content": {"application/json": {"schema": {
                     "type": "object", "required": ["title", "type", "branch_ids", "starts_at", "ends_at"],
                     "properties": {
                         "title": {"type": "string"},
                         "type": {"enum": ["branch_general", "branch_committee", "group", "party_lecture",
                                           "theme_day", "other"]},
                         "branch_ids": {"type": "array", "items": {"type": "integer"}},
                         "room_id": {"type": "integer"},
                         "starts_at": {"type": "string", "description": "ISO 8601；无时区按北京时间"},
                         "ends_at": {"type": "string"}, "signin_opens_at": {"type": "string"},
                         "signin_closes_at": {"type": "string"}, "host": {"type": "string"},
                         "recorder": {"type": "string"}, "agenda": {"type": "string"},
                         "expected_member_ids": {"type": "array", "items": {"type": "integer"}}}}}}},
                 "responses": {"201": _json(OBJ), **_errors(400, 401, 403)}},
    },
    "/api/meetings/{meeting_id}": {
        "get": {"summary": "会议详情与签到情况（应到、实到、请假、列席）", "security": SESSION_AUTH,
                "parameters": [_MEETING_ID], "responses": {"200": _json(OBJ), **_errors(401, 404)}}
    },
    "/api/meetings/{meeting_id}/cancel": {
        "post": {"summary": "取消会议", "security": SESSION_AUTH, "parameters": [_MEETING_ID],
                 "responses": {"200": _json(OBJ), **_errors(401, 403, 404)}}
    },
    "/api/meetings/{meeting_id}/leaves": {
        "post": {"summary": "支部书记登记请假（记录操作人与时间）", "security": SESSION_AUTH,
                 "parameters": [_MEETING_ID],
                 "requestBody": {"content": {"application/json": {"schema": {
                     "type": "object", "required": ["member_id", "reason"],
                     "properties": {"member_id": {"type": "integer"}, "reason": {"type": "string"}}}}}},
                 "responses": {"201": _json(OBJ), **_errors(400, 401, 404)}}
    },
    "/api/meetings/{meeting_id}/makeups": {
        "post": {"summary": "支部书记补签（必须填写原因，记录操作人与时间）", "security": SESSION_AUTH,
                 "parameters": [_MEETING_ID],
                 "requestBody": {"content": {"application/json": {"schema": {
                     "type": "object", "required": ["member_id", "reason"],
                     "properties": {"member_id": {"type": "integer"}, "reason": {"type": "string"}}}}}},
                 "responses": {"201": _json(OBJ), **_errors(400, 401, 404)}}
    },
    "/api/ledger": {
        "get": {"summary": "会议台账（按支部与时间段）", "security": SESSION_AUTH, "parameters": _LEDGER_PARAMS,
                "responses": {"200": _json(OBJ), **_errors(400, 401)}}
    },
    "/api/ledger.xlsx": {
        "get": {"summary": "导出会议台账 Excel（冻结表头、中文列名）", "security": SESSION_AUTH,
                "parameters": _LEDGER_PARAMS,
                "responses": {"200": {"description": "xlsx", "content": {
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                        "schema": {"type": "string", "format": "binary"}}}}, **_errors(400, 401)}}
    },
    "/api/openapi.json": {"get": {"summary": "本说明", "responses": {"200": _json(OBJ)}}},
}

_SPAN = {"type": "object", "required": ["id", "item_id", "started_at", "ended_at", "active_seconds"], "properties": {
    "id": {"type": "string", "description": "客户端生成的编号（8–40 位字母数字、- 或 _），重复提交只记一次"},
    "member_id": {"type": "integer", "description": "终端提交时必填；手机以 Cookie 为准"},
    "item_id": {"type": "integer"}, "started_at": {"type": "string", "format": "date-time"},
    "ended_at": {"type": "string", "format": "date-time"},
    "active_seconds": {"type": "integer", "description": "其间有效学习秒数，单条最多 300"},
    "position": {"type": "number"}, "progress": {"type": "number", "minimum": 0, "maximum": 1},
    "completed": {"type": "boolean"}}}
_SUMMARY = {"$ref": "#/components/schemas/StudySummary"}
STUDY_PATHS: dict[str, dict[str, Any]] = {
    "/api/study/spans": {"post": {
        "summary": "提交学习记录（终端用设备令牌，手机用已记住的 Cookie）",
        "security": [{"deviceToken": []}, {"phoneCookie": []}],
        "requestBody": {"content": {"application/json": {"schema": {
            "type": "object", "required": ["spans"], "properties": {"spans": {"type": "array", "items": _SPAN}}}}}},
        "responses": {"200": _json({"type": "object", "properties": {
            "accepted": {"type": "array", "items": {"type": "string"}},
            "duplicates": {"type": "array", "items": {"type": "string"}},
            "rejected": {"type": "array", "items": OBJ}, "points_awarded": {"type": "integer"},
            "seconds": {"type": "integer"}}}), **_errors(400, 401, 403)}}},
    "/api/study/me": {"get": {"summary": "本手机党员的学习时长与积分", "security": [{"phoneCookie": []}],
                              "responses": {"200": _json(_SUMMARY), **_errors(401)}}},
    "/api/device/members/login": {"post": {
        "summary": "党员在终端输入编号和密码登录学习", "security": DEVICE_AUTH,
        "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["number", "pin"],
            "properties": {"number": {"type": "string"}, "pin": {"type": "string"}}}}}},
        "responses": {"200": _json(_SUMMARY), **_errors(400, 401, 403)},
        "description": "403 with code pin_change_required: the member holds an initial PIN from a slip and must "
                       "choose their own first (POST /api/device/members/pin)."}},
    "/api/device/members/pin": {"post": {
        "summary": "党员在终端设置自己的密码（初始密码必须先改）", "security": DEVICE_AUTH,
        "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["pin", "new_pin"],
            "properties": {"number": {"type": "string"}, "member_id": {"type": "integer"},
                           "pin": {"type": "string", "description": "current (initial) PIN"},
                           "new_pin": {"type": "string", "description": "6 digits, not trivially guessable"},
                           "repeat": {"type": "string", "description": "new_pin again (defaults to new_pin)"}}}}}},
        "responses": {"200": _json({"type": "object", "properties": {"ok": {"type": "boolean"}, "member": OBJ}}),
                      **_errors(400, 401)}}},
    "/api/device/members/logout": {"post": {
        "summary": "终端上的党员退出登录（此后终端不能再读取该党员）", "security": DEVICE_AUTH,
        "responses": {"200": _json({"type": "object", "properties": {"ended": {"type": "integer"}}}),
                      **_errors(401)}}},
    "/api/device/members/{member_id}/summary": {"get": {
        "summary": "终端上已登录党员的学习概况", "security": DEVICE_AUTH,
        "parameters": [{"name": "member_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "responses": {"200": _json(_SUMMARY), **_errors(401, 404)}}},
    "/api/device/login-qr": {"post": {
        "summary": "终端的扫码登录二维码（手机扫描后确认，即在该终端登录）", "security": DEVICE_AUTH,
        "responses": {"200": _json({"type": "object", "properties": {
            "url": {"type": "string"}, "seconds": {"type": "integer"}}}), **_errors(401)}}},
}
_PERIOD = {"name": "period", "in": "query", "schema": {"enum": ["week", "month", "year", "all"], "default": "week"}}
_RANK = {"type": "object", "properties": {"period": {"type": "string"}, "points": {"type": "number"},
                                          "rank": {"type": "integer"}, "of": {"type": "integer"}}}
STUDY_PATHS.update({
    "/api/leaderboard": {"get": {
        "summary": "积分排行榜：党员前若干名与各支部（按人均），公开屏幕上姓名按设置打码",
        "parameters": [_PERIOD, {"name": "limit", "in": "query", "schema": {"type": "integer", "default": 10}}],
        "responses": {"200": _json({"type": "object", "properties": {
            "period": {"type": "string"}, "label": {"type": "string"},
            "members": {"type": "array", "items": OBJ}, "branches": {"type": "array", "items": OBJ}}}),
            **_errors(400)}}},
    "/api/leaderboard/me": {"get": {
        "summary": "本手机党员在各周期的排名", "security": [{"phoneCookie": []}],
        "responses": {"200": _json({"type": "object", "additionalProperties": _RANK}), **_errors(404)}}},
    "/api/device/members/{member_id}/rank": {"get": {
        "summary": "终端上已登录党员的排名（不在前十也能看到）", "security": DEVICE_AUTH,
        "parameters": [{"name": "member_id", "in": "path", "required": True, "schema": {"type": "integer"}}, _PERIOD],
        "responses": {"200": _json(_RANK), **_errors(400, 401, 404)}}},
})
_CONTEST = {"name": "contest_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_CONTEST_STATE = {"type": "object", "description": "与大屏收到的 contest.state 相同（见 docs/api.md）"}
STUDY_PATHS.update({
    "/api/contests": {"post": {
        "summary": "主持人创建知识竞赛（从已发布题目中抽题）", "security": SESSION_AUTH,
        "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["title"],
            "properties": {"title": {"type": "string"}, "room_id": {"type": "integer"},
                           "questions": {"type": "integer", "default": 10}, "seconds": {"type": "integer", "default": 20},
                           "team_mode": {"type": "boolean"}, "category_id": {"type": "integer"},
                           "question_ids": {"type": "array", "items": {"type": "integer"}}}}}}},
        "responses": {"201": _json(_CONTEST_STATE), **_errors(400, 401, 403)}}},
    "/api/contests/{contest_id}/results": {"get": {
        "summary": "竞赛成绩", "security": SESSION_AUTH, "parameters": [_CONTEST],
        "responses": {"200": _json(OBJ), **_errors(401, 403, 404)}}},
    "/api/contests/{contest_id}/results.xlsx": {"get": {
        "summary": "竞赛成绩 Excel", "security": SESSION_AUTH, "parameters": [_CONTEST],
        "responses": {"200": {"description": "xlsx", "content": {
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                "schema": {"type": "string", "format": "binary"}}}}, **_errors(401, 403, 404)}}},
    "/api/contests/{contest_id}/me": {"get": {
        "summary": "选手手机：竞赛当前状态、本人得分与名次、实时推送票据", "parameters": [_CONTEST],
        "responses": {"200": _json({"type": "object", "properties": {
            "contest": _CONTEST_STATE, "me": OBJ, "ticket": {"type": "string"}, "ws_url": {"type": "string"},
            "server_time": {"type": "string", "format": "date-time"}}}), **_errors(401)}}},
    "/api/contests/{contest_id}/answers": {"post": {
        "summary": "选手作答（迟到、重复、未开始的题、伪造的选手均被拒绝）", "parameters": [_CONTEST],
        "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["index", "answer"],
            "properties": {"player_id": {"type": "integer"}, "secret": {"type": "string"},
                           "index": {"type": "integer"}, "answer": {"type": "string"}}}}}},
        "responses": {"201": _json({"type": "object", "properties": {
            "accepted": {"type": "boolean"}, "index": {"type": "integer"}, "elapsed_ms": {"type": "integer"}}}),
            **_errors(400, 403, 409)}}},
})
STUDY_PATHS["/api/device/contests/{contest_id}/join"] = {"post": {
    "summary": "终端上已登录的党员在终端参加本活动室的竞赛", "security": DEVICE_AUTH, "parameters": [_CONTEST],
    "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["member_id"],
        "properties": {"member_id": {"type": "integer"}}}}}},
    "responses": {"201": _json({"type": "object", "properties": {
        "player_id": {"type": "integer"}, "secret": {"type": "string"}, "me": OBJ}}), **_errors(400, 401, 409)}}}
STUDY_PATHS["/api/device/contests/{contest_id}/players/{player_id}"] = {"get": {
    "summary": "终端上的选手：得分与名次（请求头 X-Player-Secret）", "security": DEVICE_AUTH,
    "parameters": [_CONTEST, {"name": "player_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
    "responses": {"200": _json(OBJ), **_errors(401, 403)}}}
STUDY_PATHS["/api/device/contests/{contest_id}/host"] = {"post": {
    "summary": "在本活动室终端主持竞赛：校验终端主持码（管理后台竞赛页显示的 6 位数字），并执行一步操作"
               "（check 只校验；start/next/close/finish 与后台按钮相同，记入审计日志）。同一终端连续输错 5 次，"
               "锁定 60 秒（429）", "security": DEVICE_AUTH, "parameters": [_CONTEST],
    "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["code"],
        "properties": {"code": {"type": "string", "pattern": "^[0-9]{6}$"},
                       "action": {"enum": ["check", "start", "next", "close", "finish"], "default": "check"}}}}}},
    "responses": {"200": _json(_CONTEST_STATE), **_errors(400, 401, 403, 404, 409, 429)}}}
STUDY_PATHS["/api/device/meeting-host"] = {"post": {
    "summary": "在本活动室终端主持会议：终端主持码（会议控制台显示的 6 位数字）确定是哪次会议；关闭或重新开放签到"
               "（须填原因），让大屏显示议程、到会情况、学习资料、投票表决、竞赛、留言墙或照片，公布表决结果，"
               "或让大屏回到轮播。均记入审计日志；同一终端连续输错 5 次，锁定 60 秒（429）",
    "security": DEVICE_AUTH,
    "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["code"],
        "properties": {"code": {"type": "string", "pattern": "^[0-9]{6}$"},
                       "action": {"enum": ["check", "close_signin", "reopen_signin", "step", "end", "reveal"],
                                  "default": "check"},
                       "step": {"enum": ["agenda", "quorum", "item", "poll", "contest", "messages", "photo"]},
                       "ref": {"type": "integer"}, "reason": {"type": "string"},
                       "minutes": {"enum": [5, 10, 15, 30, 60]}}}}}},
    "responses": {"200": _json({"type": "object", "description": "meeting, window, counts (with quorum), step, "
                                                                 "agenda, items, photos, polls"}),
                  **_errors(400, 401, 403, 404, 409, 429)}}}
_ITEM = {"name": "item_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_SUMMARY_ITEM = {"type": "object", "description": "id, kind, title, summary, category_id, category, tags, initials, "
                 "cover_url, media_url, media_mime, media_size, duration_seconds, page_count, author_name, "
                 "source, published_at, updated_at"}
_PRACTICE_AUTH: list[dict[str, list[str]]] = [{"deviceToken": []}, {"phoneCookie": []}]
_MEMBER_BODY = {"content": {"application/json": {"schema": {"type": "object", "properties": {
    "member_id": {"type": "integer", "description": "终端提交时必填；手机以 Cookie 为准"}}}}}}
_SET = {"type": "object", "description": "id, kind, level, day, questions [{position, id, stem, kind, options}], "
        "answered, correct, finished, passed, next"}
STUDY_PATHS.update({
    "/api/practice/daily": {"post": {"summary": "今天的每日答题（同一天重复请求得到同一组题）", "security": _PRACTICE_AUTH,
                                     "requestBody": _MEMBER_BODY, "responses": {"200": _json(_SET), **_errors(400, 401, 404)}}},
    "/api/practice/levels": {"get": {"summary": "答题闯关各关状态与最佳连对", "security": _PRACTICE_AUTH,
                                     "parameters": [{"name": "member_id", "in": "query", "schema": {"type": "integer"}}],
                                     "responses": {"200": _json(OBJ), **_errors(401, 404)}}},
    "/api/practice/levels/{level}": {"post": {
        "summary": "开始第 level 关（须已通过上一关）", "security": _PRACTICE_AUTH, "requestBody": _MEMBER_BODY,
        "parameters": [{"name": "level", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "responses": {"201": _json(_SET), **_errors(400, 401, 404, 409)}}},
    "/api/practice/streak": {"post": {"summary": "开始挑战连对（答错即止）", "security": _PRACTICE_AUTH,
                                      "requestBody": _MEMBER_BODY, "responses": {"201": _json(_SET), **_errors(400, 401)}}},
    "/api/practice/{set_id}/answers": {"post": {
        "summary": "作答一题：返回对错、正确答案与解析；重复作答、不在本组的题、已结束的练习均被拒绝",
        "security": _PRACTICE_AUTH,
        "parameters": [{"name": "set_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["position", "answer"],
            "properties": {"member_id": {"type": "integer"}, "position": {"type": "integer"}, "answer": {"type": "string"}}}}}},
        "responses": {"200": _json(OBJ), **_errors(400, 401, 404, 409)}}},
})
_ATTEMPT = {"type": "object", "description": "id, exam_id, title, number, max_attempts, closed, closed_by, seconds_left, "
            "deadline, questions [{position, stem, kind, options, given; closed: answer, explanation, correct}], "
            "answered, total, pass_mark, correct, passed (correct answers only once closed)"}
_ATTEMPT_ID = {"name": "attempt_id", "in": "path", "required": True, "schema": {"type": "integer"}}
STUDY_PATHS.update({
    "/api/exams": {"get": {"summary": "面向本人的正式测评：开放时间、时限、及格线、已用次数、进行中的答卷", "security": _PRACTICE_AUTH,
                           "parameters": [{"name": "member_id", "in": "query", "schema": {"type": "integer"}}],
                           "responses": {"200": _json(OBJ), **_errors(401, 404)}}},
    "/api/exams/{exam_id}/attempts": {"post": {
        "summary": "开始答题，或接着答进行中的答卷（剩余时间与已答内容）；不在开放时间或次数用完被拒绝",
        "security": _PRACTICE_AUTH, "requestBody": _MEMBER_BODY,
        "parameters": [{"name": "exam_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "responses": {"201": _json(_ATTEMPT), **_errors(401, 404, 409)}}},
    "/api/exams/attempts/{attempt_id}": {"get": {
        "summary": "本人的答卷（超时的答卷由服务器先交卷评分）", "security": _PRACTICE_AUTH,
        "parameters": [_ATTEMPT_ID, {"name": "member_id", "in": "query", "schema": {"type": "integer"}}],
        "responses": {"200": _json(_ATTEMPT), **_errors(401, 404)}}},
    "/api/exams/attempts/{attempt_id}/answers": {"post": {
        "summary": "保存一题的答案（同一 client_id 重发不重复保存；不返回对错）", "security": _PRACTICE_AUTH,
        "parameters": [_ATTEMPT_ID],
        "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["position", "answer"],
            "properties": {"member_id": {"type": "integer"}, "position": {"type": "integer"}, "answer": {"type": "string"},
                           "client_id": {"type": "string"}}}}}},
        "responses": {"200": _json(OBJ), **_errors(400, 401, 404, 409)}}},
    "/api/exams/attempts/{attempt_id}/submit": {"post": {
        "summary": "交卷并评分（已交卷的答卷原样返回）", "security": _PRACTICE_AUTH, "requestBody": _MEMBER_BODY,
        "parameters": [_ATTEMPT_ID], "responses": {"200": _json(_ATTEMPT), **_errors(401, 404)}}},
})
STUDY_PATHS["/api/device/members/{member_id}/assessment"] = {"get": {
    "summary": "量化考核：终端上已登录党员本年度四项得分、综合得分和排名", "security": DEVICE_AUTH,
    "parameters": [{"name": "member_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
    "responses": {"200": _json({"type": "object", "properties": {
        "year": {"type": "integer"}, "weights": OBJ, "targets": OBJ, "total": {"type": "number"},
        "rank": {"type": "integer"}, "of": {"type": "integer"}, "branch_rank": {"type": "integer"},
        "branch_of": {"type": "integer"}, "branch": OBJ,
        "dimensions": {"type": "array", "items": {"type": "object", "properties": {
            "key": {"type": "string"}, "name": {"type": "string"}, "score": {"type": "number"},
            "weight": {"type": "integer"}, "detail": {"type": "string"}}}},
        "criteria": {"type": "object", "description": "本年度考核指标和评分标准：dimensions（名称、权重）、targets（目标）、rules（评分规则）",
                     "properties": {"year": {"type": "integer"}, "dimensions": ARR, "targets": ARR,
                                    "rules": {"type": "array", "items": {"type": "string"}}}}}}),
                  **_errors(401, 404)}}}
STUDY_PATHS["/api/device/honour"] = {"get": {
    "summary": "光荣榜：展示期覆盖今天的条目（称号、姓名、事迹、签名照片地址），供终端和大屏", "security": DEVICE_AUTH,
    "responses": {"200": _json({"type": "object", "properties": {"entries": {"type": "array", "items": {
        "type": "object", "properties": {"id": {"type": "integer"}, "title": {"type": "string"},
                                         "name": {"type": "string"}, "citation": {"type": "string"},
                                         "photo": {"type": "string"}, "starts_on": {"type": "string"},
                                         "ends_on": {"type": "string"}}}}}}), **_errors(401)}}}
STUDY_PATHS["/api/device/assessment/published"] = {"get": {
    "summary": "考核结果公示：正在公示的年度结果（支部排名和前十名党员，姓名部分隐去），没有公示时为 null",
    "security": DEVICE_AUTH,
    "responses": {"200": _json({"type": "object", "properties": {"published": {
        "type": "object", "nullable": True, "properties": {"year": {"type": "integer"}, "ends_at": {"type": "string"},
                                                           "members": ARR, "branches": ARR}}}}), **_errors(401)}}}
STUDY_PATHS["/api/device/members/{member_id}/plans"] = {"get": {
    "summary": "学习计划：终端上已登录党员的必学内容，逐项标明是否完成（读到末尾且学满要求时长）", "security": DEVICE_AUTH,
    "parameters": [{"name": "member_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
    "responses": {"200": _json({"type": "object", "properties": {"plans": {"type": "array", "items": {
        "type": "object", "properties": {
            "id": {"type": "integer"}, "title": {"type": "string"}, "scope": {"type": "string"},
            "starts_on": {"type": "string"}, "due_on": {"type": "string"}, "days_left": {"type": "integer"},
            "done": {"type": "integer"}, "total": {"type": "integer"}, "percent": {"type": "integer"},
            "items": {"type": "array", "items": {"type": "object", "properties": {
                "item_id": {"type": "integer"}, "title": {"type": "string"}, "kind": {"type": "string"},
                "done": {"type": "boolean"}, "minutes": {"type": "integer"}}}}}}}}}),
                  **_errors(401, 404)}}}
STUDY_PATHS["/api/device/members/{member_id}/recommendations"] = {"get": {
    "summary": "为你推荐：终端上已登录党员的未学内容，附推荐理由", "security": DEVICE_AUTH,
    "parameters": [{"name": "member_id", "in": "path", "required": True, "schema": {"type": "integer"}},
                   {"name": "limit", "in": "query", "schema": {"type": "integer", "default": 8}}],
    "responses": {"200": _json({"type": "object", "properties": {"items": {"type": "array", "items": {
        "type": "object", "properties": {"item": OBJ, "score": {"type": "number"},
                                         "reasons": {"type": "array", "items": {"type": "string"}}}}}}}),
                  **_errors(401, 404)}}}
STUDY_PATHS.update({
    "/api/content/categories": {"get": {"summary": "学习内容分类及已发布数量", "responses": {"200": _json(OBJ)}}},
    "/api/content/items": {"get": {
        "summary": "已发布的学习内容（最新在前）",
        "parameters": [{"name": "category_id", "in": "query", "schema": {"type": "integer"}},
                       {"name": "kind", "in": "query", "schema": {"enum": ["article", "video", "pdf", "poster", "audio"]}},
                       _LIMIT, _OFFSET],
        "responses": {"200": _json({"type": "object", "properties": {
            "items": {"type": "array", "items": _SUMMARY_ITEM}, "total": {"type": "integer"}}}), **_errors(400)}}},
    "/api/content/search": {"get": {
        "summary": "搜索：q 为中文（标题、摘要、正文、标签包含），initials 为拼音首字母（如 DZ）",
        "description": "q 与 initials 至少给一个（非空）；都没有时答 400。",
        "parameters": [{"name": "q", "in": "query", "schema": {"type": "string", "minLength": 1, "pattern": r"\S"}},
                       {"name": "initials", "in": "query",
                        "schema": {"type": "string", "minLength": 1, "pattern": r"\S"}},
                       _LIMIT],
        "responses": {"200": _json({"type": "object", "properties": {"items": {"type": "array", "items": _SUMMARY_ITEM}}}),
                      **_errors(400)}}},
    "/api/content/items/{item_id}": {"get": {
        "summary": "一条已发布内容：摘要字段，加上 body_html（网页）和 blocks（终端排版用）",
        "parameters": [_ITEM], "responses": {"200": _json(_SUMMARY_ITEM), **_errors(404)}}},
    "/api/content/items/{item_id}/pages/{number}.png": {"get": {
        "summary": "PDF 的第 number 页（PNG，width 取 600–1800 中最接近的宽度）",
        "parameters": [_ITEM, {"name": "number", "in": "path", "required": True, "schema": {"type": "integer"}},
                       {"name": "width", "in": "query", "schema": {"type": "integer", "default": 1200}}],
        "responses": {"200": {"description": "PNG", "content": {"image/png": {"schema": {"type": "string",
                                                                                          "format": "binary"}}}},
                      **_errors(404)}}},
})
for _action, _summary in (("start", "开始竞赛（第一题）"), ("next", "下一题（最后一题后结束）"),
                          ("close", "提前收题"), ("finish", "结束竞赛")):
    STUDY_PATHS[f"/api/contests/{{contest_id}}/{_action}"] = {"post": {
        "summary": "主持人：" + _summary, "security": SESSION_AUTH, "parameters": [_CONTEST],
        "responses": {"200": _json(_CONTEST_STATE), **_errors(401, 403, 404, 409)}}}
_MEMBER_ID = {"name": "member_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_SERVICE_REQUEST = {"type": "object", "properties": {
    "id": {"type": "integer"}, "category": {"type": "string"}, "text": {"type": "string"},
    "status": {"enum": ["open", "done"]}, "status_label": {"type": "string"}, "due_on": {"type": "string"},
    "created": {"type": "string"}, "answer": {"type": "string"}, "hours": {"type": ["number", "null"]}}}
STUDY_PATHS["/api/device/members/{member_id}/services"] = {
    "get": {"summary": "服务窗口：终端上已登录党员可选的类别与常用语，及本人的诉求（状态、期限、答复）",
            "security": DEVICE_AUTH, "parameters": [_MEMBER_ID],
            "responses": {"200": _json({"type": "object", "properties": {
                "categories": {"type": "array", "items": {"type": "object", "properties": {
                    "key": {"type": "string"}, "label": {"type": "string"},
                    "phrases": {"type": "array", "items": {"type": "string"}}}}},
                "requests": {"type": "array", "items": _SERVICE_REQUEST}}}), **_errors(401, 404)}},
    "post": {"summary": "服务窗口：终端上已登录党员提交一条诉求（同一 client_id 只记一次）",
             "security": DEVICE_AUTH, "parameters": [_MEMBER_ID],
             "requestBody": {"content": {"application/json": {"schema": {
                 "type": "object", "required": ["category", "text", "client_id"], "properties": {
                     "category": {"enum": ["suggestion", "hardship", "volunteer", "org_life", "other"]},
                     "text": {"type": "string", "maxLength": 500}, "client_id": {"type": "string"}}}}}},
             "responses": {"201": _json(_SERVICE_REQUEST, "Created"), **_errors(400, 401, 404, 409)}},
}
STUDY_PATHS["/api/device/members/{member_id}/record"] = {"get": {
    "summary": "我的档案：终端上已登录党员本人的信息、参会、学习、积分、考核与更正申请", "security": DEVICE_AUTH,
    "parameters": [_MEMBER_ID],
    "responses": {"200": _json({"type": "object", "properties": {
        "attendance": {"type": "array", "items": OBJ}, "study": OBJ, "points": OBJ, "assessment": OBJ,
        "fields": {"type": "array", "items": {"type": "object", "properties": {
            "key": {"type": "string"}, "label": {"type": "string"}, "value": {"type": "string"}}}},
        "number": {"type": "string"}, "branch": {"type": "string"},
        "corrections": {"type": "array", "items": OBJ}}}), **_errors(401, 404)}}}
PATHS.update(STUDY_PATHS)


def _complete(paths: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Name, on every operation, the statuses any route can answer with in the one error shape: 400 for
    bad parameters, 401 where a credential is required, 404 where the path names a row, 405 for a
    method the path does not take, and a default for the rest (413, 429, 500 …)."""
    for item in paths.values():
        for op in item.values():
            responses = op["responses"]
            params = op.get("parameters", [])
            if params or "requestBody" in op:
                responses.setdefault("400", _json(_ERROR, "请求参数不正确"))
            if op.get("security"):
                responses.setdefault("401", _json(_ERROR, "未登录或凭证无效"))
            if any(p.get("in") == "path" for p in params):
                responses.setdefault("404", _json(_ERROR, "不存在"))
            responses.setdefault("405", _json(_ERROR, "不支持该请求方法（Allow 头列出可用方法）"))
            responses.setdefault("default", _json(_ERROR, "其他错误，统一的错误格式"))
    return paths


def spec() -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "Activity Room API", "version": __version__,
                 "description": "智慧党员活动室服务器的 JSON 接口。实时推送见 docs/api.md（WebSocket /ws）。"},
        "paths": _complete(PATHS),
        "components": {
            "securitySchemes": {
                "deviceToken": {"type": "http", "scheme": "bearer"},
                "adminSession": {"type": "apiKey", "in": "cookie", "name": "ar_admin"},
                "phoneCookie": {"type": "apiKey", "in": "cookie", "name": "ar_phone"},
            },
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {
                    "type": "object", "required": ["code", "message"],
                    "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "details": {}}}}},
                "SignIn": {"type": "object", "required": ["created", "message", "meeting_id", "member"],
                           "properties": {"created": {"type": "boolean"}, "message": {"type": "string"},
                                          "meeting_id": {"type": "integer"}, "member": OBJ,
                                          "signed_at": {"type": "string"}, "late": {"type": "boolean"},
                                          "guest": {"type": "boolean"}}},
                "StudySummary": {"type": "object", "required": ["member", "minutes", "points"], "properties": {
                    "member": OBJ, "minutes": OBJ, "points": OBJ, "items_studied": {"type": "integer"},
                    "items_completed": {"type": "integer"}, "recent": {"type": "array", "items": OBJ},
                    "recent_points": {"type": "array", "items": OBJ}}},
                "Pairing": {"type": "object", "required": ["status"], "properties": {
                    "status": {"enum": ["pending", "approved", "expired"]}, "claim": {"type": "string"},
                    # null when the request was approved at once (the demo's auto-approval): no code to show.
                    "pairing_code": {"type": "string", "nullable": True},
                    "expires_at": {"type": "string", "nullable": True},
                    "device_token": {"type": "string"}, "device": OBJ}},
            },
        },
    }


@bp.get("/api/openapi.json")
def openapi_json() -> Any:
    return jsonify(spec())
