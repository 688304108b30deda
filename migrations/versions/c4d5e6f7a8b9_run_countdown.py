"""a countdown on the run for the projector

Revision ID: c4d5e6f7a8b9
Revises: b7e1c2d3a4f5
Create Date: 2026-11-30 19:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4d5e6f7a8b9'
down_revision = 'b7e1c2d3a4f5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('countdown_ends_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('countdown_step', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('run', schema=None) as batch_op:
        batch_op.drop_column('countdown_step')
        batch_op.drop_column('countdown_ends_at')
