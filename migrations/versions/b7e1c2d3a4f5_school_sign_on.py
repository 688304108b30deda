"""school sign-on: provider settings and linked identities

Revision ID: b7e1c2d3a4f5
Revises: 59103342c3b1
Create Date: 2026-11-30 19:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e1c2d3a4f5'
down_revision = '9d21f46cab50'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sign_on',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('issuer', sa.String(length=255), nullable=False),
    sa.Column('client_id', sa.String(length=255), nullable=False),
    sa.Column('secret_encrypted', sa.Text(), nullable=False),
    sa.Column('domains', sa.Text(), nullable=False),
    sa.Column('provider_verifies_email', sa.Boolean(), nullable=False),
    sa.Column('passwords_allowed', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_sign_on_school_id_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_on')),
    sa.UniqueConstraint('school_id', name=op.f('uq_sign_on_school_id'))
    )
    op.create_table('sign_on_identity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('issuer', sa.String(length=255), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_sign_on_identity_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_on_identity')),
    sa.UniqueConstraint('issuer', 'subject', name=op.f('uq_sign_on_identity_issuer_subject')),
    sa.UniqueConstraint('user_id', name=op.f('uq_sign_on_identity_user_id'))
    )


def downgrade():
    op.drop_table('sign_on_identity')
    op.drop_table('sign_on')
