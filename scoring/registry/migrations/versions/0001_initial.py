"""The registry's first schema: producers, products, rounds, councils, sessions, dossiers, sheets,
results, certificates and the append-only audit log (see scoring/registry/models.py).

Written out table by table (not `metadata.create_all`), so that this revision stays what it was
when later revisions change the models.

Revision ID: 0001_initial
Revises: 
Create Date: 2026-12-03 21:15:36.075201
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0001_initial'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('entity', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.String(length=120), nullable=True),
    sa.Column('before', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=True),
    sa.Column('after', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=True),
    sa.CheckConstraint('length(actor) > 0', name=op.f('ck_audit_log_actor')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    op.create_index(op.f('ix_audit_log_at'), 'audit_log', ['at'], unique=False)
    op.create_index(op.f('ix_audit_log_entity_entity_id'), 'audit_log', ['entity', 'entity_id'], unique=False)

    op.create_table('councils',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('area', sa.String(length=100), server_default='', nullable=False),
    sa.Column('decision', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("level IN ('commune', 'district', 'province', 'central')", name=op.f('ck_councils_level')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_councils'))
    )
    op.create_table('producers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('name_key', sa.String(length=300), nullable=False),
    sa.Column('legal_form', sa.String(length=100), nullable=True),
    sa.Column('tax_code', sa.String(length=30), nullable=True),
    sa.Column('representative', sa.String(length=200), nullable=True),
    sa.Column('phone', sa.String(length=60), nullable=True),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('address', sa.Text(), nullable=True),
    sa.Column('province', sa.String(length=100), server_default='', nullable=False),
    sa.Column('district', sa.String(length=100), server_default='', nullable=False),
    sa.Column('commune', sa.String(length=100), server_default='', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_producers')),
    sa.UniqueConstraint('name_key', 'province', name=op.f('uq_producers_name_key_province')),
    sa.UniqueConstraint('tax_code', name=op.f('uq_producers_tax_code'))
    )
    op.create_index(op.f('ix_producers_province_district_commune'), 'producers', ['province', 'district', 'commune'], unique=False)

    op.create_table('rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('area', sa.String(length=100), server_default='', nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=True),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('proposals_by', sa.Date(), nullable=True),
    sa.Column('finish_by', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("level IN ('commune', 'district', 'province', 'central')", name=op.f('ck_rounds_level')),
    sa.CheckConstraint('number >= 1', name=op.f('ck_rounds_number')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rounds')),
    sa.UniqueConstraint('level', 'area', 'year', 'number', name=op.f('uq_rounds_level_area_year_number'))
    )
    op.create_table('council_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('council_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('organisation', sa.String(length=300), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.CheckConstraint("role IN ('chu_tich', 'thu_ky', 'thanh_vien')", name=op.f('ck_council_members_role')),
    sa.ForeignKeyConstraint(['council_id'], ['councils.id'], name=op.f('fk_council_members_council_id_councils'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_council_members')),
    sa.UniqueConstraint('council_id', 'name', name=op.f('uq_council_members_council_id_name'))
    )
    op.create_table('council_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('council_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=True),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(status = 'closed') = (closed_at IS NOT NULL)", name=op.f('ck_council_sessions_closed')),
    sa.CheckConstraint("status IN ('open', 'closed')", name=op.f('ck_council_sessions_status')),
    sa.ForeignKeyConstraint(['council_id'], ['councils.id'], name=op.f('fk_council_sessions_council_id_councils'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_council_sessions_round_id_rounds'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_council_sessions'))
    )
    op.create_table('products',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=True),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('name_key', sa.String(length=300), nullable=False),
    sa.Column('producer_id', sa.Integer(), nullable=False),
    sa.Column('criteria_set', sa.String(length=20), nullable=True),
    sa.Column('form', sa.String(length=100), nullable=True),
    sa.Column('province', sa.String(length=100), server_default='', nullable=False),
    sa.Column('district', sa.String(length=100), server_default='', nullable=False),
    sa.Column('commune', sa.String(length=100), server_default='', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['producer_id'], ['producers.id'], name=op.f('fk_products_producer_id_producers'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_products')),
    sa.UniqueConstraint('code', name=op.f('uq_products_code')),
    sa.UniqueConstraint('producer_id', 'name_key', name=op.f('uq_products_producer_id_name_key'))
    )
    op.create_index(op.f('ix_products_province_district_commune'), 'products', ['province', 'district', 'commune'], unique=False)

    op.create_table('dossiers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.String(length=120), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('round_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('criteria_set', sa.String(length=20), nullable=True),
    sa.Column('form', sa.String(length=100), nullable=True),
    sa.Column('level', sa.String(length=20), nullable=True),
    sa.Column('evaluated_on', sa.Date(), nullable=True),
    sa.Column('lodged_on', sa.Date(), nullable=True),
    sa.Column('findings', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('cases', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=True),
    sa.Column('story_exists', sa.Boolean(), nullable=True),
    sa.Column('content', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('source', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('new', 'upgrade', 're-evaluation')", name=op.f('ck_dossiers_kind')),
    sa.CheckConstraint("level IS NULL OR level IN ('commune', 'district', 'province', 'central')", name=op.f('ck_dossiers_level')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_dossiers_version')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_dossiers_product_id_products'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_dossiers_round_id_rounds'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossiers')),
    sa.UniqueConstraint('dossier_id', name=op.f('uq_dossiers_dossier_id'))
    )
    op.create_index(op.f('ix_dossiers_product_id'), 'dossiers', ['product_id'], unique=False)
    op.create_index(op.f('ix_dossiers_round_id'), 'dossiers', ['round_id'], unique=False)

    op.create_table('session_members',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['council_members.id'], name=op.f('fk_session_members_member_id_council_members'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['session_id'], ['council_sessions.id'], name=op.f('fk_session_members_session_id_council_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', 'member_id', name=op.f('pk_session_members'))
    )
    op.create_table('divergence_overrides',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_pk', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('by', sa.String(length=200), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(reason) > 0', name=op.f('ck_divergence_overrides_reason')),
    sa.ForeignKeyConstraint(['dossier_pk'], ['dossiers.id'], name=op.f('fk_divergence_overrides_dossier_pk_dossiers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['council_sessions.id'], name=op.f('fk_divergence_overrides_session_id_council_sessions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_divergence_overrides'))
    )
    op.create_index(op.f('ix_divergence_overrides_dossier_pk'), 'divergence_overrides', ['dossier_pk'], unique=False)

    op.create_table('dossier_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_pk', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('content', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('source', sa.Text(), nullable=True),
    sa.Column('replaced_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('replaced_by', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['dossier_pk'], ['dossiers.id'], name=op.f('fk_dossier_versions_dossier_pk_dossiers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossier_versions')),
    sa.UniqueConstraint('dossier_pk', 'version', name=op.f('uq_dossier_versions_dossier_pk_version'))
    )
    op.create_index(op.f('ix_dossier_versions_dossier_pk'), 'dossier_versions', ['dossier_pk'], unique=False)

    op.create_table('member_sheets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_pk', sa.Integer(), nullable=False),
    sa.Column('member', sa.String(length=200), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('scores', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('draft', 'submitted', 'reopened')", name=op.f('ck_member_sheets_status')),
    sa.ForeignKeyConstraint(['dossier_pk'], ['dossiers.id'], name=op.f('fk_member_sheets_dossier_pk_dossiers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['council_members.id'], name=op.f('fk_member_sheets_member_id_council_members'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['council_sessions.id'], name=op.f('fk_member_sheets_session_id_council_sessions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_sheets')),
    sa.UniqueConstraint('dossier_pk', 'member', name=op.f('uq_member_sheets_dossier_pk_member'))
    )
    op.create_table('results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_pk', sa.Integer(), nullable=False),
    sa.Column('dossier_version', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('criteria_set', sa.String(length=20), nullable=False),
    sa.Column('form', sa.String(length=100), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('evaluated_on', sa.Date(), nullable=False),
    sa.Column('total', sa.Float(), nullable=False),
    sa.Column('band_stars', sa.SmallInteger(), nullable=False),
    sa.Column('stars', sa.SmallInteger(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('recognised_by', sa.String(length=20), nullable=True),
    sa.Column('escalate_to', sa.String(length=20), nullable=True),
    sa.Column('engine_version', sa.String(length=40), nullable=False),
    sa.Column('criteria_hash', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('result', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('decided', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("source IN ('engine', 'batch')", name=op.f('ck_results_source')),
    sa.CheckConstraint("status IN ('recognised', 'not_recognised', 'disqualified')", name=op.f('ck_results_status')),
    sa.CheckConstraint('band_stars BETWEEN 1 AND 5', name=op.f('ck_results_band_stars')),
    sa.CheckConstraint('stars BETWEEN 0 AND 5', name=op.f('ck_results_stars')),
    sa.ForeignKeyConstraint(['dossier_pk'], ['dossiers.id'], name=op.f('fk_results_dossier_pk_dossiers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['council_sessions.id'], name=op.f('fk_results_session_id_council_sessions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_results'))
    )
    op.create_index(op.f('ix_results_dossier_pk_id'), 'results', ['dossier_pk', 'id'], unique=False)
    op.create_index(op.f('ix_results_status_stars'), 'results', ['status', 'stars'], unique=False)

    op.create_table('session_dossiers',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('dossier_pk', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['dossier_pk'], ['dossiers.id'], name=op.f('fk_session_dossiers_dossier_pk_dossiers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['council_sessions.id'], name=op.f('fk_session_dossiers_session_id_council_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', 'dossier_pk', name=op.f('pk_session_dossiers'))
    )
    op.create_table('certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=60), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('result_id', sa.Integer(), nullable=True),
    sa.Column('stars', sa.SmallInteger(), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('issued_by', sa.String(length=200), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.Column('window_opens_on', sa.Date(), nullable=True),
    sa.Column('window_closes_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('revoked_on', sa.Date(), nullable=True),
    sa.Column('revocation_ground', sa.String(length=4), nullable=True),
    sa.Column('revocation_note', sa.Text(), nullable=True),
    sa.Column('superseded_on', sa.Date(), nullable=True),
    sa.Column('superseded_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(status = 'revoked') = (revoked_on IS NOT NULL AND revocation_ground IS NOT NULL)", name=op.f('ck_certificates_revoked')),
    sa.CheckConstraint("(status = 'superseded') = (superseded_on IS NOT NULL)", name=op.f('ck_certificates_superseded')),
    sa.CheckConstraint("status IN ('valid', 'revoked', 'superseded')", name=op.f('ck_certificates_status')),
    sa.CheckConstraint('expires_on > issued_on', name=op.f('ck_certificates_expiry')),
    sa.CheckConstraint('revoked_on IS NULL OR revoked_on >= issued_on', name=op.f('ck_certificates_revoked_after_issue')),
    sa.CheckConstraint('stars BETWEEN 1 AND 5', name=op.f('ck_certificates_stars')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_certificates_product_id_products'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['result_id'], ['results.id'], name=op.f('fk_certificates_result_id_results'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['superseded_by'], ['certificates.id'], name=op.f('fk_certificates_superseded_by_certificates'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificates')),
    sa.UniqueConstraint('number', name=op.f('uq_certificates_number')),
    sa.UniqueConstraint('result_id', name=op.f('uq_certificates_result_id'))
    )
    op.create_index(op.f('ix_certificates_expires_on'), 'certificates', ['expires_on'], unique=False)
    op.create_index(op.f('ix_certificates_issued_on'), 'certificates', ['issued_on'], unique=False)
    op.create_index(op.f('ix_certificates_product_id'), 'certificates', ['product_id'], unique=False)
    op.create_index(op.f('ix_certificates_window_opens_on'), 'certificates', ['window_opens_on'], unique=False)
    op.create_index('uq_certificates_one_valid_per_product', 'certificates', ['product_id'], unique=True, sqlite_where=sa.text("status = 'valid'"), postgresql_where=sa.text("status = 'valid'"))
    _audit_append_only()


# The audit log is append-only in the database itself: UPDATE and DELETE raise, whoever runs them.
_SQLITE_TRIGGERS = (
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
)
_PG_TRIGGERS = (
    "CREATE FUNCTION ocop_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$",
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION ocop_audit_append_only()",
)


def _audit_append_only() -> None:
    dialect = op.get_bind().dialect.name
    for statement in _SQLITE_TRIGGERS if dialect == "sqlite" else _PG_TRIGGERS if dialect == "postgresql" else ():
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER audit_log_no_update")
        op.execute("DROP TRIGGER audit_log_no_delete")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION ocop_audit_append_only()")
    op.drop_index('uq_certificates_one_valid_per_product', sqlite_where=sa.text("status = 'valid'"), postgresql_where=sa.text("status = 'valid'"), table_name='certificates')
    op.drop_index(op.f('ix_certificates_window_opens_on'), table_name='certificates')
    op.drop_index(op.f('ix_certificates_product_id'), table_name='certificates')
    op.drop_index(op.f('ix_certificates_issued_on'), table_name='certificates')
    op.drop_index(op.f('ix_certificates_expires_on'), table_name='certificates')
    op.drop_table('certificates')
    op.drop_table('session_dossiers')
    op.drop_index(op.f('ix_results_status_stars'), table_name='results')
    op.drop_index(op.f('ix_results_dossier_pk_id'), table_name='results')
    op.drop_table('results')
    op.drop_table('member_sheets')
    op.drop_index(op.f('ix_dossier_versions_dossier_pk'), table_name='dossier_versions')
    op.drop_table('dossier_versions')
    op.drop_index(op.f('ix_divergence_overrides_dossier_pk'), table_name='divergence_overrides')
    op.drop_table('divergence_overrides')
    op.drop_table('session_members')
    op.drop_index(op.f('ix_dossiers_round_id'), table_name='dossiers')
    op.drop_index(op.f('ix_dossiers_product_id'), table_name='dossiers')
    op.drop_table('dossiers')
    op.drop_index(op.f('ix_products_province_district_commune'), table_name='products')
    op.drop_table('products')
    op.drop_table('council_sessions')
    op.drop_table('council_members')
    op.drop_table('rounds')
    op.drop_index(op.f('ix_producers_province_district_commune'), table_name='producers')
    op.drop_table('producers')
    op.drop_table('councils')
    op.drop_index(op.f('ix_audit_log_entity_entity_id'), table_name='audit_log')
    op.drop_index(op.f('ix_audit_log_at'), table_name='audit_log')
    op.drop_table('audit_log')
