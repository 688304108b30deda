"""a lesson in sessions (session number, day of the next session), the booth by phase

Revision ID: 8c4d2e6f1a37
Revises: 7b3e5a9d1c60
Create Date: 2026-12-06 06:30:00.000000

Columns are added with ALTER TABLE; the SQLite downgrade rebuilds run with foreign keys
off, so that no question is deleted through its ON DELETE CASCADE.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8c4d2e6f1a37'
down_revision = '7b3e5a9d1c60'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('run', sa.Column('session_number', sa.Integer(), server_default='1', nullable=False))
    op.add_column('run', sa.Column('next_session_on', sa.Date(), nullable=True))
    op.add_column('run', sa.Column('booth_round', sa.String(length=60), nullable=True))
    op.add_column('run', sa.Column('booth_turns', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        op.execute('PRAGMA foreign_keys=OFF')
    with op.batch_alter_table('run', schema=None) as batch_op:
        batch_op.drop_column('booth_turns')
        batch_op.drop_column('booth_round')
        batch_op.drop_column('next_session_on')
        batch_op.drop_column('session_number')
    if sqlite:
        op.execute('PRAGMA foreign_keys=ON')
