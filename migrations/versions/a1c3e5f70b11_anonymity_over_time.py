"""anonymity over time: releases, batches, sensitive polls, class size, run limits

Revision ID: a1c3e5f70b11
Revises: 59103342c3b1
Create Date: 2026-11-30 18:40:00

"""
from datetime import datetime, timedelta

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1c3e5f70b11'
down_revision = '59103342c3b1'
branch_labels = None
depends_on = None

RUN_MAX_HOURS = 12


def upgrade():
    op.create_table('result_release',
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('results', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_result_release_question_id_question'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('question_id', name=op.f('pk_result_release'))
    )
    op.create_table('school_release',
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('module_slug', sa.String(length=80), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('questions', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_school_release_school_id_school'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('school_id', 'module_slug', name=op.f('pk_school_release'))
    )
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sensitive', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fresh', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('batch', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('retracted', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('min_answers', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('joined', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('join_limit', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('school_class', schema=None) as batch_op:
        batch_op.add_column(sa.Column('size', sa.Integer(), nullable=True))

    connection = op.get_bind()
    # Open answers stored before batches were visible to the teacher already.
    connection.execute(sa.text("UPDATE response SET batch = 1 WHERE text IS NOT NULL"))
    # Lessons left running end by themselves, counted from their start.
    run = sa.table('run', sa.column('id', sa.Integer()), sa.column('created_at', sa.DateTime(timezone=True)),
                   sa.column('expires_at', sa.DateTime(timezone=True)))
    for run_id, created_at in connection.execute(sa.select(run.c.id, run.c.created_at)).all():
        if isinstance(created_at, str):
            created_at = datetime.fromisoformat(created_at)
        connection.execute(run.update().where(run.c.id == run_id)
                           .values(expires_at=created_at + timedelta(hours=RUN_MAX_HOURS)))
    # What was kept of purged lessons becomes their one release (counts without words).
    snapshot = sa.table('result_snapshot', sa.column('question_id', sa.Integer()),
                        sa.column('total', sa.Integer()), sa.column('results', sa.JSON()))
    release = sa.table('result_release', sa.column('question_id', sa.Integer()),
                       sa.column('number', sa.Integer()), sa.column('total', sa.Integer()),
                       sa.column('results', sa.JSON()))
    for question_id, total, kept in connection.execute(sa.select(snapshot)).all():
        figures = None
        if kept:
            figures = {"counts": [option["count"] for option in kept.get("options", [])], "hidden": []}
            for name in ("mean", "median"):
                if kept.get(name) is not None:
                    figures[name] = kept[name]
        connection.execute(release.insert().values(
            question_id=question_id, number=1 if figures else 0, total=total, results=figures))
    op.drop_table('result_snapshot')


def downgrade():
    op.create_table('result_snapshot',
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('results', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_result_snapshot_question_id_question'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('question_id', name=op.f('pk_result_snapshot'))
    )
    with op.batch_alter_table('school_class', schema=None) as batch_op:
        batch_op.drop_column('size')

    with op.batch_alter_table('run', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
        batch_op.drop_column('join_limit')
        batch_op.drop_column('joined')
        batch_op.drop_column('min_answers')

    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_column('retracted')
        batch_op.drop_column('batch')
        batch_op.drop_column('fresh')

    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.drop_column('sensitive')

    op.drop_table('school_release')
    op.drop_table('result_release')
