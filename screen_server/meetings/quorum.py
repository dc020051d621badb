"""法定人数 (quorum): which rule a meeting follows and whether the members present meet it.

Members with a vote (有表决权) are 正式党员; 预备党员 attend but do not vote (党章第七条) and count in
neither figure. Members on approved leave (请假) still count in 应到 and in 应到有表决权: they are
expected and simply absent. This follows 《中国共产党支部工作条例（试行）》 (2018) and the rule it
applies to 支部党员大会 — a meeting that decides (表决) needs more than half of the members with a vote
present — together with common practice in branches' 台账: only members who cannot take part for a
long time (长期外出、出国出境、丧失行为能力、受留党察看处分) may be left out of 应到, by the branch's
own decision recorded in the minutes; an ordinary 请假 does not reduce 应到. Elections need more than
four fifths present (《中国共产党基层组织选举工作条例》第十三条: 有选举权的到会人数超过应到会人数的
五分之四). A secretary who excludes a long-absent member does so by removing them from the expected
attendees (``set_expected``), which is audited.

Guests (列席, not expected) never count. No I/O here.
"""

from __future__ import annotations

RULES = {"half": "过半数（有表决权的到会人数超过应到会有表决权人数的半数）",
         "four_fifths": "选举：超过五分之四（有选举权的到会人数超过应到会人数的五分之四）",
         "none": "不适用（不作表决）"}
SHORT = {"half": "过半数", "four_fifths": "五分之四以上", "none": "不适用"}


def is_reached(rule: str, voting_signed: int, voting_expected: int) -> bool | None:
    """Whether quorum is met; None when the meeting has no quorum rule."""
    if rule == "half":
        return voting_expected > 0 and voting_signed * 2 > voting_expected
    if rule == "four_fifths":
        return voting_expected > 0 and voting_signed * 5 > voting_expected * 4
    return None


def needed(rule: str, voting_expected: int) -> int:
    """How many members with a vote must be present (0 when no rule applies)."""
    if rule == "half":
        return voting_expected // 2 + 1
    if rule == "four_fifths":
        return voting_expected * 4 // 5 + 1
    return 0
