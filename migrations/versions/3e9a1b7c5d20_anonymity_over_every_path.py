"""anonymity over every path: released values, a lesson's own class size, one path per question

Revision ID: 3e9a1b7c5d20
Revises: f1b2c3d4e5a6
Create Date: 2026-12-06 04:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3e9a1b7c5d20'
down_revision = 'f1b2c3d4e5a6'
branch_labels = None
depends_on = None

WITHOUT_ROWID = {'sqlite_with_rowid': False}


def upgrade():
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('released_value', sa.Integer(), nullable=True))
    # An answer that was no longer fresh is in the last release with its current value.
    op.execute("UPDATE response SET released_value = value WHERE fresh = false")
    # Rebuilt on SQLite: it must stay a table without rowid (no order of arrival).
    with op.batch_alter_table('response', table_kwargs=WITHOUT_ROWID) as batch_op:
        batch_op.drop_column('fresh')

    with op.batch_alter_table('run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('class_size', sa.Integer(), nullable=True))
    op.execute("UPDATE run SET class_size = join_limit - 2 WHERE join_limit IS NOT NULL")

    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answered_by', sa.String(length=10), nullable=True))
    # A question opened before answered in the way its lesson was answered then.
    mode = "(SELECT answer_mode FROM run WHERE run.id = question.run_id)"
    op.execute(
        f"UPDATE question SET answered_by = {mode} WHERE counted_by IS NULL "
        f"AND status <> 'ready' AND {mode} IN ('devices', 'booth')"
    )


def downgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        # Rebuilding run and question must not cascade into their questions and answers.
        op.execute('PRAGMA foreign_keys=OFF')
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.drop_column('answered_by')

    with op.batch_alter_table('run', schema=None) as batch_op:
        batch_op.drop_column('class_size')

    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('fresh', sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    op.execute(
        "UPDATE response SET fresh = false "
        "WHERE released_value IS NOT NULL AND released_value = value"
    )
    with op.batch_alter_table('response', table_kwargs=WITHOUT_ROWID) as batch_op:
        batch_op.drop_column('released_value')
    if sqlite:
        op.execute('PRAGMA foreign_keys=ON')
