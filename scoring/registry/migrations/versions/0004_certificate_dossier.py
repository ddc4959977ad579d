"""The dossier a certificate was issued on, kept on the certificate (`certificates.dossier_id`).

Every certificate list shows it (the due list, the supervision list, a product's history). Reading
it through results → dossiers meant two random row fetches per certificate in the two largest
tables; a dossier's id never changes once imported (`--replace` keeps it), so the certificate can
hold it from issue on. Existing certificates are filled from their result's dossier. Figures in
benchmarks/README.md, "Registry".

Revision ID: 0004_certificate_dossier
Revises: 0003_certificate_queries
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_certificate_dossier"
down_revision = "0003_certificate_queries"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("certificates") as batch:
        batch.add_column(sa.Column("dossier_id", sa.String(length=120), nullable=True))
    op.execute("UPDATE certificates SET dossier_id = (SELECT dossiers.dossier_id FROM results"
               " JOIN dossiers ON dossiers.id = results.dossier_pk WHERE results.id = certificates.result_id)"
               " WHERE result_id IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("certificates") as batch:
        batch.drop_column("dossier_id")
