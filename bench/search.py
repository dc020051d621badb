"""``search_p95_ms``: p95 milliseconds of Chinese search over 10,000 published items.

A fresh SQLite data directory (migrated: the FTS5 index and its triggers) gets 10,000 items whose
titles, summaries and bodies are built from real phrases of party study material; then a mix of
queries — two-, three- and four-character Chinese terms and pinyin initials — is timed through the
service the API calls (``content.search``), each query once per round, after one warm-up round.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

ITEMS = 10_000
PHRASES = ["党章", "党规", "廉政", "廉洁自律", "两学一做", "不忘初心", "牢记使命", "民主集中制", "组织生活",
           "三会一课", "主题党日", "理想信念", "从严治党", "八项规定", "群众路线", "党史学习", "先锋模范",
           "基层党组织", "党员义务", "党员权利", "政治纪律", "组织纪律", "为人民服务", "红色物业", "乡村振兴",
           "纪律处分条例", "党风廉政建设", "学习强国", "社会主义核心价值观", "新时代", "高质量发展"]
FILLER = "我们要深入学习贯彻，坚持以人民为中心，把学习成果转化为推动工作的实际成效，切实增强党性修养。"
QUERIES = ["党章", "廉政", "党史", "纪律", "初心", "两学一做", "民主集中", "红色物业", "三会一课", "从严治党",
           "先锋", "条例", "核心价值", "乡村", "DZ", "LXYZ", "LZ", "SHYK"]


def _seed(settings: Any, count: int) -> None:
    from sqlalchemy import insert

    from content.models import Item, ItemKind, ReviewStatus
    from content.pinyin import initials
    from content.search import spaced
    from screen_server.runtime import build_runtime

    rng = random.Random(11)
    rt = build_runtime(settings)
    now = dt.datetime.now(dt.UTC)
    rows = []
    for n in range(count):
        words = rng.sample(PHRASES, 3)
        title = f"{words[0]}与{words[1]}学习要点（{n}）"
        summary = f"围绕{words[2]}开展学习。"
        body = "\n\n".join(f"{rng.choice(PHRASES)}：{FILLER}" for _ in range(rng.randint(6, 14)))
        rows.append({"kind": ItemKind.ARTICLE, "title": title, "pinyin_initials": initials(title)[:200],
                     "summary": summary, "body_markdown": body, "status": ReviewStatus.PUBLISHED,
                     "published_at": now - dt.timedelta(minutes=n), "created_at": now, "updated_at": now,
                     "search_doc": spaced(f"{title} {summary} {body}")})
    with rt.session_factory() as s:
        for i in range(0, len(rows), 2000):
            s.execute(insert(Item), rows[i:i + 2000])
        s.commit()
    rt.close()


def run(*, quick: bool = False, items: int = ITEMS, rounds: int | None = None) -> dict[str, dict[str, Any]]:
    from content.search import search, search_initials
    from screen_server.config import load_settings
    from screen_server.runtime import build_runtime

    rounds = rounds or (3 if quick else 10)
    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
        settings = load_settings(Path(tmp), secret_key="bench-search")
        _seed(settings, items)
        rt = build_runtime(settings, apply_migrations=False)
        times: list[float] = []
        hits: dict[str, int] = {}
        try:
            with rt.session_factory() as s:
                for round_ in range(rounds + 1):
                    for q in QUERIES:
                        started = time.perf_counter()
                        found = search_initials(s, q, limit=50) if q.isascii() else search(s, q, limit=50)
                        elapsed = (time.perf_counter() - started) * 1000
                        if round_:  # the first round warms the caches
                            times.append(elapsed)
                        hits[q] = len(found)
        finally:
            rt.close()
    times.sort()
    return {"search_p95_ms": {
        "value": round(times[int(0.95 * (len(times) - 1))], 2), "unit": "ms",
        "p50_ms": round(statistics.median(times), 2), "max_ms": round(times[-1], 2), "items": items,
        "queries": len(times), "database": "sqlite",
        "method": f"{len(QUERIES)} queries (2–5 Han characters and pinyin initials) × {rounds} rounds after a warm-up, "
                  "each returning up to 50 items with their category, tags and media, through content.search "
                  "(FTS5 phrase queries on spaced characters)",
        "hits": hits,
    }}
