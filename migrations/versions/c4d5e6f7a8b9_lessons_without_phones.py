"""lessons without phones: answer mode, booth key, answers counted by hand

Revision ID: c4d5e6f7a8b9
Revises: b7e4c1d2a9f3
Create Date: 2026-11-30 19:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4d5e6f7a8b9'
down_revision = 'b7e4c1d2a9f3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answer_mode', sa.String(length=10), server_default='devices', nullable=False))
        batch_op.add_column(sa.Column('booth_key', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('counted_by_hand', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.add_column(sa.Column('counted_by', sa.String(length=10), nullable=True))


def downgrade():
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.drop_column('counted_by')

    with op.batch_alter_table('run', schema=None) as batch_op:
        batch_op.drop_column('counted_by_hand')
        batch_op.drop_column('booth_key')
        batch_op.drop_column('answer_mode')
