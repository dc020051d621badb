"""The learning library as a domain: items, media store, categories, review workflow, question bank,
search, content packs and Markdown rendering. No Flask, no Kivy, and no import of screen_server:
content is the lowest layer, so it also owns the persistence primitives every domain shares (orm.py)."""
