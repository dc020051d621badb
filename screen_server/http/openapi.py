"""The OpenAPI 3 description of the JSON API. A test checks it names every /api route and no other."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from screen_server import __version__

bp = Blueprint("openapi", __name__)

_ERROR = {"$ref": "#/components/schemas/Error"}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Any]:
    return {str(c): _json(_ERROR, "错误") for c in codes}


OBJ: dict[str, Any] = {"type": "object"}
DEVICE_AUTH: list[dict[str, list[str]]] = [{"deviceToken": []}]
SESSION_AUTH: list[dict[str, list[str]]] = [{"adminSession": []}]

_MEETING_ID = {"name": "meeting_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_LEDGER_PARAMS = [
    {"name": "branch_id", "in": "query", "schema": {"type": "integer"}},
    {"name": "start", "in": "query", "schema": {"type": "string", "format": "date"}},
    {"name": "end", "in": "query", "schema": {"type": "string", "format": "date"}},
]

PATHS: dict[str, dict[str, Any]] = {
    "/api/server-info": {
        "get": {"summary": "服务器信息与 WebSocket 地址", "responses": {"200": _json({
            "type": "object", "required": ["name", "ws_url", "server_time", "version"],
            "properties": {"name": {"type": "string"}, "ws_url": {"type": "string"},
                           "server_time": {"type": "string", "format": "date-time"},
                           "version": {"type": "string"}, "protocol": {"type": "integer"}}})}},
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
                    {"name": "offset", "in": "query", "schema": {"type": "integer"}},
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 500}}],
                "responses": {"200": _json({"type": "object", "properties": {
                    "total": {"type": "integer"}, "items": {"type": "array", "items": OBJ}}}),
                    **_errors(401, 403)}}
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
                          **_errors(400, 401, 404)},
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


def spec() -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "Activity Room API", "version": __version__,
                 "description": "智慧党员活动室服务器的 JSON 接口。实时推送见 docs/api.md（WebSocket /ws）。"},
        "paths": PATHS,
        "components": {
            "securitySchemes": {
                "deviceToken": {"type": "http", "scheme": "bearer"},
                "adminSession": {"type": "apiKey", "in": "cookie", "name": "session"},
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
                "Pairing": {"type": "object", "required": ["status"], "properties": {
                    "status": {"enum": ["pending", "approved", "expired"]}, "claim": {"type": "string"},
                    "pairing_code": {"type": "string"}, "expires_at": {"type": "string"},
                    "device_token": {"type": "string"}, "device": OBJ}},
            },
        },
    }


@bp.get("/api/openapi.json")
def openapi_json() -> Any:
    return jsonify(spec())
