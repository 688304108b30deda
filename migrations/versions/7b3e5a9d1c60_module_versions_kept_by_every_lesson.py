"""module versions kept by every lesson

Revision ID: 7b3e5a9d1c60
Revises: 5d0a9c2e7f14
Create Date: 2026-12-06 04:23:53.771682

A lesson keeps the module version it started with; own modules' slugs are unique per
school. On SQLite the run table is never rebuilt: with foreign keys on, dropping the
old table would delete every question through its ON DELETE CASCADE.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7b3e5a9d1c60'
down_revision = '5d0a9c2e7f14'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('module_version',
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('titles', sa.JSON(), nullable=False),
    sa.Column('files', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_module_version_school_id_school')),
    sa.PrimaryKeyConstraint('digest', name=op.f('pk_module_version'))
    )
    with op.batch_alter_table('module_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_module_version_school_id'), ['school_id'], unique=False)

    with op.batch_alter_table('own_module', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_own_module_slug'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_own_module_school_id_slug'), ['school_id', 'slug'])

    if op.get_bind().dialect.name == 'sqlite':
        op.execute(
            'ALTER TABLE run ADD COLUMN module_version VARCHAR(64) '
            'CONSTRAINT fk_run_module_version_module_version REFERENCES module_version (digest)'
        )
    else:
        op.add_column('run', sa.Column('module_version', sa.String(length=64), nullable=True))
        op.create_foreign_key(
            'fk_run_module_version_module_version', 'run', 'module_version',
            ['module_version'], ['digest'],
        )


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        # Rebuilding run must not cascade into its questions: foreign keys off first
        # (this is the first statement of the downgrade, before any transaction began).
        op.execute('PRAGMA foreign_keys=OFF')
        with op.batch_alter_table('run', schema=None) as batch_op:
            batch_op.drop_column('module_version')
        op.execute('PRAGMA foreign_keys=ON')
    else:
        op.drop_constraint('fk_run_module_version_module_version', 'run', type_='foreignkey')
        op.drop_column('run', 'module_version')

    with op.batch_alter_table('own_module', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_own_module_school_id_slug'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_own_module_slug'), ['slug'])

    with op.batch_alter_table('module_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_module_version_school_id'))

    op.drop_table('module_version')
