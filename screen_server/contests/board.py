"""What screens show of a contest, computed from plain data: the options, the answer distribution, the
ranked board with rank changes, the branches' averages. No I/O, no store, no locks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from content.models import Question, QuestionKind
from screen_server.contests.live import ANSWERED

TOP = 10


def options(q: Question) -> list[dict[str, str]]:
    if q.kind == QuestionKind.TRUE_FALSE:
        return [{"label": "正确", "text": "正确"}, {"label": "错误", "text": "错误"}]
    return [{"label": o.label, "text": o.text} for o in q.options]


def labels(question: Question, given: str) -> list[str]:
    """The options an answer counts for in the distribution: each letter of a multiple choice."""
    if question.kind == QuestionKind.MULTIPLE:
        return sorted(set(given.upper().replace(",", "").replace(" ", "")))
    return [_label(question, given)]


def _label(question: Question, given: str) -> str:
    if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        return "".join(sorted(set(given.upper().replace(",", "").replace(" ", ""))))
    if question.kind == QuestionKind.TRUE_FALSE:
        return "正确" if given in ("正确", "对", "√", "TRUE", "true") else "错误"
    return "其他"


def distribution(q: Question, counts: Counter[str]) -> list[dict[str, Any]]:
    opts = options(q)
    rows: list[dict[str, Any]] = [{"label": o["label"], "text": o["text"], "count": counts.get(o["label"], 0)}
                                  for o in opts]
    if q.kind == QuestionKind.FILL_BLANK:
        known = {ANSWERED, *(o["label"] for o in opts)}
        rows.append({"label": "其他", "text": "其他答案", "count": sum(v for k, v in counts.items() if k not in known)})
    return rows


def rank(scores: Mapping[int, tuple[int, int]], before: Mapping[int, int],
         names: Mapping[int, tuple[str, str]]) -> tuple[list[dict[str, Any]], dict[int, int]]:
    """The top ten (ties share a rank; by score, then right answers, then who joined first) with each
    one's change since ``before``, and every player's new rank.

    Args:
        scores: player id → (score, right answers).
        before: player id → rank at the previous close.
        names: player id → (name as shown, branch).
    """
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[0]))
    ranks: dict[int, int] = {}
    board = []
    for i, (pid, (score, _right)) in enumerate(ranked):
        r = ranks[ranked[i - 1][0]] if i and ranked[i - 1][1][0] == score else i + 1
        ranks[pid] = r
        if i < TOP:
            was = before.get(pid)
            shown, branch = names.get(pid, ("", ""))
            board.append({"rank": r, "player_id": pid, "name": shown, "branch": branch, "score": score,
                          "change": (was - r) if was else 0})
    return board, ranks


def with_changes(top: list[dict[str, Any]], before: Mapping[int, int]) -> list[dict[str, Any]]:
    """The board with each row's change since the ranks of the previous close (0 for a newcomer)."""
    return [row | {"change": (before[row["player_id"]] - row["rank"]) if before.get(row["player_id"]) else 0}
            for row in top]


def teams(scores: Mapping[int, tuple[int, int]], branches: Mapping[int, str]) -> list[dict[str, Any]]:
    by_branch: dict[str, list[int]] = {}
    for pid, (score, _right) in scores.items():
        by_branch.setdefault(branches.get(pid) or "—", []).append(score)
    rows: list[dict[str, Any]] = [{"branch": b, "players": len(s), "average": round(sum(s) / len(s), 1)}
                                  for b, s in by_branch.items()]
    rows.sort(key=lambda r: (-r["average"], r["branch"]))
    for i, row in enumerate(rows, 1):
        row["rank"] = i
    return rows
