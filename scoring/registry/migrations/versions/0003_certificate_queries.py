"""One covering index for the certificate queries asked "as of a day": the due list (`ocop registry
certificates --due-within`) and the counts by area and star of progress reports.

Both filter certificates on expires_on, issued_on, revoked_on and superseded_on (and the due list on
window_opens_on) for a given day; the counts also read stars and product_id. With all of them in one
index, the database finds the certificates of a day without reading the table's rows (the figures
are in benchmarks/README.md, "Registry"). The index on expires_on alone is its prefix and is dropped.

Revision ID: 0003_certificate_queries
Revises: 0002_web_accounts
"""
from __future__ import annotations

from alembic import op

revision = "0003_certificate_queries"
down_revision = "0002_web_accounts"
branch_labels = None
depends_on = None

COLUMNS = ["expires_on", "issued_on", "revoked_on", "superseded_on", "window_opens_on", "stars", "product_id"]


def upgrade() -> None:
    op.create_index("ix_certificates_as_of", "certificates", COLUMNS, unique=False)
    op.drop_index("ix_certificates_expires_on", table_name="certificates")


def downgrade() -> None:
    op.create_index("ix_certificates_expires_on", "certificates", ["expires_on"], unique=False)
    op.drop_index("ix_certificates_as_of", table_name="certificates")
