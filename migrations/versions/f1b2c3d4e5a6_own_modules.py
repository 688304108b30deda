"""modules written by teachers

Revision ID: f1b2c3d4e5a6
Revises: 7aa9fc5845e3
Create Date: 2026-11-30 21:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f1b2c3d4e5a6'
down_revision = '7aa9fc5845e3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'own_module',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('school_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('slug', sa.String(length=80), nullable=False),
        sa.Column('files', sa.JSON(), nullable=False),
        sa.Column('origin', sa.String(length=80), nullable=True),
        sa.Column('shared_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_own_module_author_id_user'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_own_module_school_id_school')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_own_module')),
        sa.UniqueConstraint('slug', name=op.f('uq_own_module_slug')),
    )
    with op.batch_alter_table('own_module', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_own_module_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_own_module_school_id'), ['school_id'], unique=False)


def downgrade():
    with op.batch_alter_table('own_module', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_own_module_school_id'))
        batch_op.drop_index(batch_op.f('ix_own_module_author_id'))
    op.drop_table('own_module')
