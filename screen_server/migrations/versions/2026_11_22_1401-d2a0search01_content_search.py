"""content search: each item's search document, indexed (SQLite FTS5 / PostgreSQL GIN on a tsvector)

Revision ID: d2a0search01
Revises: d1a0study001
Create Date: 2026-11-22 14:01:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "d2a0search01"
down_revision = "d1a0study001"
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = (
    """CREATE TRIGGER content_search_ai AFTER INSERT ON content_items BEGIN
         INSERT INTO content_search(rowid, search_doc) VALUES (new.id, new.search_doc); END""",
    """CREATE TRIGGER content_search_ad AFTER DELETE ON content_items BEGIN
         INSERT INTO content_search(content_search, rowid, search_doc) VALUES ('delete', old.id, old.search_doc); END""",
    """CREATE TRIGGER content_search_au AFTER UPDATE OF search_doc ON content_items BEGIN
         INSERT INTO content_search(content_search, rowid, search_doc) VALUES ('delete', old.id, old.search_doc);
         INSERT INTO content_search(rowid, search_doc) VALUES (new.id, new.search_doc); END""",
)


def _backfill() -> None:
    """Write the documents of the items already there (the same rule as content.search.document)."""
    from content.search import spaced
    from content.markdown import to_plain_text

    bind = op.get_bind()
    tags: dict[int, list[str]] = {}
    for item_id, name in bind.execute(sa.text(
            "SELECT t.item_id, g.name FROM content_item_tags t JOIN content_tags g ON g.id = t.tag_id")):
        tags.setdefault(item_id, []).append(name)
    rows = bind.execute(sa.text("SELECT id, title, summary, body_markdown FROM content_items")).all()
    for item_id, title, summary, body in rows:
        doc = spaced(" ".join([title or "", summary or "", to_plain_text(body or ""), " ".join(tags.get(item_id, []))]))
        bind.execute(sa.text("UPDATE content_items SET search_doc = :d WHERE id = :i"), {"d": doc, "i": item_id})


def upgrade() -> None:
    with op.batch_alter_table("content_items") as batch:
        batch.add_column(sa.Column("search_doc", sa.Text(), nullable=False, server_default=""))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_content_items_search ON content_items "
                   "USING gin (to_tsvector('simple', search_doc))")
        _backfill()
    else:
        op.execute("CREATE VIRTUAL TABLE content_search USING fts5(search_doc, content='content_items', "
                   "content_rowid='id', tokenize='unicode61')")
        for trigger in SQLITE_TRIGGERS:
            op.execute(trigger)
        _backfill()
        op.execute("INSERT INTO content_search(content_search) VALUES ('rebuild')")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_content_items_search")
    else:
        for name in ("content_search_ai", "content_search_ad", "content_search_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS content_search")
    with op.batch_alter_table("content_items") as batch:
        batch.drop_column("search_doc")
