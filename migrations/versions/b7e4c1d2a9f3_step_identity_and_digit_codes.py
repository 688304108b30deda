"""projector step as an identity; nine-digit join codes

Revision ID: b7e4c1d2a9f3
Revises: b7e1c2d3a4f5
Create Date: 2026-11-30 18:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e4c1d2a9f3'
down_revision = 'b7e1c2d3a4f5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('step_key', sa.String(length=60), server_default='rules', nullable=False))
        batch_op.alter_column('join_code', existing_type=sa.String(length=6), type_=sa.String(length=9), existing_nullable=False)
    # An index into the old step list cannot be turned back into a step: a run that
    # showed a question shows that question again, any other run its ground rules.
    op.execute(
        "UPDATE run SET step_key = 'question:' || ("
        "SELECT CAST(question.id AS VARCHAR(20)) FROM question "
        "WHERE question.run_id = run.id AND question.position = run.current_position) "
        "WHERE current_position IS NOT NULL"
    )
    op.execute("UPDATE run SET step_key = 'rules' WHERE step_key IS NULL")
    with op.batch_alter_table('run', schema=None) as batch_op:
        batch_op.drop_column('step')


def downgrade():
    with op.batch_alter_table('run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('step', sa.Integer(), server_default='0', nullable=False))
    # Nine-digit codes are cut to six characters; truncation may collide, so end runs first.
    op.execute("UPDATE run SET join_code = SUBSTR(join_code, 1, 6) WHERE LENGTH(join_code) > 6")
    with op.batch_alter_table('run', schema=None) as batch_op:
        batch_op.alter_column('join_code', existing_type=sa.String(length=9), type_=sa.String(length=6), existing_nullable=False)
        batch_op.drop_column('step_key')
