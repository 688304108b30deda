"""sign-on domains pending until approved; providers checked before use

Revision ID: 5d0a9c2e7f14
Revises: 3e9a1b7c5d20
Create Date: 2026-12-06 05:00:00

Existing domains become pending claims (the operator approves them with
`flask signon approve-domain`); existing providers get no verified_at, so they are used
again only after `flask signon check-providers` or the coordinator saves the settings.
On SQLite the batch operation on sign_on copies and drops the table, which with foreign
keys on would cascade into sign_on_domain: so sign_on is altered while no claim exists.
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


revision = '5d0a9c2e7f14'
down_revision = '3e9a1b7c5d20'
branch_labels = None
depends_on = None

APPROVED = sa.text('approved_at IS NOT NULL')


def upgrade():
    connection = op.get_bind()
    rows = connection.execute(sa.text('SELECT id, domains FROM sign_on')).all()
    with op.batch_alter_table('sign_on') as batch:
        batch.add_column(sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True))
        batch.drop_column('domains')
    domain_table = op.create_table('sign_on_domain',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sign_on_id', sa.Integer(), nullable=False),
    sa.Column('domain', sa.String(length=253), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_by', sa.String(length=20), nullable=True),
    sa.ForeignKeyConstraint(['sign_on_id'], ['sign_on.id'], name=op.f('fk_sign_on_domain_sign_on_id_sign_on'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_on_domain')),
    sa.UniqueConstraint('sign_on_id', 'domain', name=op.f('uq_sign_on_domain_sign_on_id_domain'))
    )
    op.create_index('uq_sign_on_domain_approved', 'sign_on_domain', ['domain'], unique=True,
                    sqlite_where=APPROVED, postgresql_where=APPROVED)
    now = datetime.now(timezone.utc)
    claims = [{'sign_on_id': row.id, 'domain': d, 'created_at': now}
              for row in rows for d in dict.fromkeys(row.domains.split())]
    if claims:
        op.bulk_insert(domain_table, claims)


def downgrade():
    connection = op.get_bind()
    rows = connection.execute(sa.text('SELECT sign_on_id, domain FROM sign_on_domain ORDER BY domain')).all()
    op.drop_index('uq_sign_on_domain_approved', table_name='sign_on_domain',
                  sqlite_where=APPROVED, postgresql_where=APPROVED)
    op.drop_table('sign_on_domain')
    with op.batch_alter_table('sign_on') as batch:
        batch.add_column(sa.Column('domains', sa.Text(), nullable=False, server_default=''))
        batch.drop_column('verified_at')
    domains = {}
    for row in rows:
        domains.setdefault(row.sign_on_id, []).append(row.domain)
    for sign_on_id, names in domains.items():
        connection.execute(sa.text('UPDATE sign_on SET domains = :d WHERE id = :i'),
                           {'d': '\n'.join(names), 'i': sign_on_id})
    with op.batch_alter_table('sign_on') as batch:
        batch.alter_column('domains', server_default=None)
