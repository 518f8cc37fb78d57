"""Search speed and hygiene (issue 4).

- A covering index for facet counts and sorted category pages: category first (category
  pages read one subtree), with the other columns facets and sorts read, so neither
  touches the wide rows.
- The "did you mean" vocabulary comes from listings of active shops only: words from a
  suspended shop's titles are not suggested to shoppers.
"""

from django.db import migrations, models

ACTIVE_SEARCH_WORDS_VIEW = """
DROP MATERIALIZED VIEW listings_searchword;
CREATE MATERIALIZED VIEW listings_searchword AS
SELECT word, ndoc AS listing_count
FROM ts_stat('SELECT to_tsvector(''simple'', l.title) FROM listings_listing l
              JOIN tenants_shop s ON s.id = l.shop_id WHERE s.status = ''active''')
WHERE length(word) BETWEEN 3 AND 100 AND word ~ '^[[:alpha:]]+$';
CREATE UNIQUE INDEX listings_searchword_word ON listings_searchword (word);
CREATE INDEX listings_searchword_trgm ON listings_searchword USING gin (word gin_trgm_ops);
"""

ALL_SEARCH_WORDS_VIEW = """
DROP MATERIALIZED VIEW listings_searchword;
CREATE MATERIALIZED VIEW listings_searchword AS
SELECT word, ndoc AS listing_count
FROM ts_stat('SELECT to_tsvector(''simple'', title) FROM listings_listing')
WHERE length(word) BETWEEN 3 AND 100 AND word ~ '^[[:alpha:]]+$';
CREATE UNIQUE INDEX listings_searchword_word ON listings_searchword (word);
CREATE INDEX listings_searchword_trgm ON listings_searchword USING gin (word gin_trgm_ops);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("listings", "0002_listing_search_fields"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="listing",
            index=models.Index(
                fields=["category"],
                include=[
                    "shop",
                    "price",
                    "rating_average",
                    "rating_count",
                    "on_sale",
                    "in_stock",
                    "id",
                ],
                name="listing_facet_idx",
            ),
        ),
        migrations.RunSQL(ACTIVE_SEARCH_WORDS_VIEW, ALL_SEARCH_WORDS_VIEW),
    ]
