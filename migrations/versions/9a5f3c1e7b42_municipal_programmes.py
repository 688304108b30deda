"""municipal programmes: municipalities, leads without a school, programmes and their releases

Revision ID: 9a5f3c1e7b42
Revises: 8c4d2e6f1a37
Create Date: 2026-12-06 14:30:00.000000

On SQLite, making user.school_id and sign_on.school_id nullable rebuilds those tables
(and a downgrade module_version): foreign keys go off
first (the first statement, before any transaction began), so that dropping the old
table cascades into nothing. If they cannot go off (a transaction is already open) and
the table has rows, the migration stops rather than lose data.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9a5f3c1e7b42'
down_revision = '8c4d2e6f1a37'
branch_labels = None
depends_on = None

# A sign-on belongs to one school or one municipality, never both or neither.
ONE_OWNER = '(school_id IS NULL) <> (municipality_id IS NULL)'


def _foreign_keys_off() -> bool:
    bind = op.get_bind()
    bind.exec_driver_sql('PRAGMA foreign_keys=OFF')
    if bind.exec_driver_sql('PRAGMA foreign_keys').scalar():
        rebuilt = ('user', 'sign_on', 'module_version')
        if any(bind.exec_driver_sql(f'SELECT count(*) FROM {table}').scalar() for table in rebuilt):
            raise RuntimeError('foreign keys are on inside a transaction: run this migration alone')
        return False
    return True


def _add_reference(table: str, column: str, type_: str, target: str, name: str) -> None:
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(f'ALTER TABLE {table} ADD COLUMN {column} {type_} CONSTRAINT {name} REFERENCES {target}')
    else:
        sa_type = sa.Integer() if type_ == 'INTEGER' else sa.String(length=64)
        op.add_column(table, sa.Column(column, sa_type, nullable=True))
        parent, remote = target.split(' (')
        op.create_foreign_key(name, table, parent, [column], [remote.rstrip(')')])


def upgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    switched = _foreign_keys_off() if sqlite else False
    op.create_table('municipality',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_municipality')),
    sa.UniqueConstraint('name', name=op.f('uq_municipality_name'))
    )
    op.create_table('programme',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('module_slug', sa.String(length=80), nullable=False),
    sa.Column('module_version', sa.String(length=64), nullable=False),
    sa.Column('titles', sa.JSON(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('follow_up_on', sa.Date(), nullable=True),
    sa.Column('min_answers', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['module_version'], ['module_version.digest'], name=op.f('fk_programme_module_version_module_version')),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_programme_municipality_id_municipality')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme'))
    )
    op.create_index(op.f('ix_programme_municipality_id'), 'programme', ['municipality_id'], unique=False)
    op.create_table('programme_school',
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('invited_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('left_counts', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_programme_school_programme_id_programme'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_programme_school_school_id_school')),
    sa.PrimaryKeyConstraint('programme_id', 'school_id', name=op.f('pk_programme_school'))
    )
    op.create_index(op.f('ix_programme_school_school_id'), 'programme_school', ['school_id'], unique=False)
    op.create_table('programme_release',
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('questions', sa.JSON(), nullable=False),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_programme_release_programme_id_programme'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('programme_id', name=op.f('pk_programme_release'))
    )
    _add_reference('assignment', 'programme_id', 'INTEGER', 'programme (id)', 'fk_assignment_programme_id_programme')
    _add_reference('assignment', 'module_version', 'VARCHAR(64)', 'module_version (digest)', 'fk_assignment_module_version_module_version')
    op.create_index(op.f('ix_assignment_programme_id'), 'assignment', ['programme_id'], unique=False)
    _add_reference('module_version', 'municipality_id', 'INTEGER', 'municipality (id)', 'fk_module_version_municipality_id_municipality')
    _add_reference('run', 'programme_id', 'INTEGER', 'programme (id)', 'fk_run_programme_id_programme')
    op.create_index(op.f('ix_run_programme_id'), 'run', ['programme_id'], unique=False)
    if sqlite:
        with op.batch_alter_table('sign_on', schema=None) as batch_op:
            batch_op.add_column(sa.Column('municipality_id', sa.Integer(), nullable=True))
            batch_op.alter_column('school_id', existing_type=sa.Integer(), nullable=True)
            batch_op.create_unique_constraint(batch_op.f('uq_sign_on_municipality_id'), ['municipality_id'])
            batch_op.create_foreign_key(batch_op.f('fk_sign_on_municipality_id_municipality'), 'municipality', ['municipality_id'], ['id'])
            batch_op.create_check_constraint(batch_op.f('ck_sign_on_one_owner'), ONE_OWNER)
        with op.batch_alter_table('user', schema=None) as batch_op:
            batch_op.add_column(sa.Column('municipality_id', sa.Integer(), nullable=True))
            batch_op.alter_column('school_id', existing_type=sa.Integer(), nullable=True)
            batch_op.create_index(batch_op.f('ix_user_municipality_id'), ['municipality_id'], unique=False)
            batch_op.create_foreign_key(batch_op.f('fk_user_municipality_id_municipality'), 'municipality', ['municipality_id'], ['id'])
        if switched:
            op.execute('PRAGMA foreign_keys=ON')
    else:
        op.add_column('sign_on', sa.Column('municipality_id', sa.Integer(), nullable=True))
        op.alter_column('sign_on', 'school_id', existing_type=sa.Integer(), nullable=True)
        op.create_unique_constraint(op.f('uq_sign_on_municipality_id'), 'sign_on', ['municipality_id'])
        op.create_foreign_key(op.f('fk_sign_on_municipality_id_municipality'), 'sign_on', 'municipality', ['municipality_id'], ['id'])
        op.create_check_constraint(op.f('ck_sign_on_one_owner'), 'sign_on', ONE_OWNER)
        op.add_column('user', sa.Column('municipality_id', sa.Integer(), nullable=True))
        op.alter_column('user', 'school_id', existing_type=sa.Integer(), nullable=True)
        op.create_index(op.f('ix_user_municipality_id'), 'user', ['municipality_id'], unique=False)
        op.create_foreign_key(op.f('fk_user_municipality_id_municipality'), 'user', 'municipality', ['municipality_id'], ['id'])


def downgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        switched = _foreign_keys_off()
        with op.batch_alter_table('sign_on', schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f('ck_sign_on_one_owner'), type_='check')
            batch_op.drop_constraint(batch_op.f('fk_sign_on_municipality_id_municipality'), type_='foreignkey')
            batch_op.drop_constraint(batch_op.f('uq_sign_on_municipality_id'), type_='unique')
            batch_op.alter_column('school_id', existing_type=sa.Integer(), nullable=False)
            batch_op.drop_column('municipality_id')
        with op.batch_alter_table('user', schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f('fk_user_municipality_id_municipality'), type_='foreignkey')
            batch_op.drop_index(batch_op.f('ix_user_municipality_id'))
            batch_op.alter_column('school_id', existing_type=sa.Integer(), nullable=False)
            batch_op.drop_column('municipality_id')
        for table, columns in (('run', ('programme_id',)), ('assignment', ('module_version', 'programme_id'))):
            op.drop_index(op.f(f'ix_{table}_programme_id'), table_name=table)
            with op.batch_alter_table(table, schema=None) as batch_op:
                for column in columns:
                    batch_op.drop_column(column)
        with op.batch_alter_table('module_version', schema=None) as batch_op:
            batch_op.drop_column('municipality_id')
        if switched:
            op.execute('PRAGMA foreign_keys=ON')
    else:
        op.drop_constraint(op.f('ck_sign_on_one_owner'), 'sign_on', type_='check')
        op.drop_constraint(op.f('fk_sign_on_municipality_id_municipality'), 'sign_on', type_='foreignkey')
        op.drop_constraint(op.f('uq_sign_on_municipality_id'), 'sign_on', type_='unique')
        op.alter_column('sign_on', 'school_id', existing_type=sa.Integer(), nullable=False)
        op.drop_column('sign_on', 'municipality_id')
        op.drop_constraint(op.f('fk_user_municipality_id_municipality'), 'user', type_='foreignkey')
        op.drop_index(op.f('ix_user_municipality_id'), table_name='user')
        op.alter_column('user', 'school_id', existing_type=sa.Integer(), nullable=False)
        op.drop_column('user', 'municipality_id')
        op.drop_index(op.f('ix_run_programme_id'), table_name='run')
        op.drop_constraint('fk_run_programme_id_programme', 'run', type_='foreignkey')
        op.drop_column('run', 'programme_id')
        op.drop_index(op.f('ix_assignment_programme_id'), table_name='assignment')
        op.drop_constraint('fk_assignment_module_version_module_version', 'assignment', type_='foreignkey')
        op.drop_constraint('fk_assignment_programme_id_programme', 'assignment', type_='foreignkey')
        op.drop_column('assignment', 'module_version')
        op.drop_column('assignment', 'programme_id')
        op.drop_constraint('fk_module_version_municipality_id_municipality', 'module_version', type_='foreignkey')
        op.drop_column('module_version', 'municipality_id')
    op.drop_table('programme_release')
    op.drop_index(op.f('ix_programme_school_school_id'), table_name='programme_school')
    op.drop_table('programme_school')
    op.drop_index(op.f('ix_programme_municipality_id'), table_name='programme')
    op.drop_table('programme')
    op.drop_table('municipality')
