"""a countdown on the run for the projector

Revision ID: e5a7c9d1f2b3
Revises: d2e8f1a0c3b4
Create Date: 2026-11-30 19:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5a7c9d1f2b3'
down_revision = 'd2e8f1a0c3b4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('countdown_ends_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('countdown_step', sa.String(length=60), nullable=True))


def downgrade():
    with op.batch_alter_table('run', schema=None) as batch_op:
        batch_op.drop_column('countdown_step')
        batch_op.drop_column('countdown_ends_at')
