"""The geocoder's word index: each place's words, and the words of every place with how many places have each.

Revision ID: 1702
Revises: st2000
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "1702"
down_revision: str | None = "st2000"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A common word ("rue", "lyon") shares its trigrams with most places: the trigram index alone then rechecks
    # thousands of rows per keystroke. Candidates come from the query's rarer words through these two instead.
    op.execute("ALTER TABLE address_places ADD COLUMN words text[] "
               "GENERATED ALWAYS AS (string_to_array(search, ' ')) STORED")
    op.execute("CREATE INDEX ix_address_places_words ON address_places USING gin (words)")
    # A query of common words walks the places from the most important down (and outwards by the GiST index).
    op.execute("CREATE INDEX ix_address_places_importance ON address_places (importance DESC, key)")
    op.execute("""
        CREATE TABLE address_words (
            word text PRIMARY KEY,
            places integer NOT NULL
        )
    """)
    op.execute("INSERT INTO address_words SELECT w, count(*) FROM address_places, unnest(words) w GROUP BY w")
    op.execute("CREATE INDEX ix_address_words_trgm ON address_words USING gin (word gin_trgm_ops)")
    op.execute("CREATE INDEX ix_address_words_prefix ON address_words (word text_pattern_ops)")


def downgrade() -> None:
    op.execute("DROP TABLE address_words")
    op.execute("ALTER TABLE address_places DROP COLUMN words")
