"""Experts and 科技特派员: the pool, work stations, dispatches (选派), visits and the problems raised on them
(revision 0008)."""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('expert_station',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('county', sa.String(length=50), nullable=False),
    sa.Column('town', sa.String(length=50), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('county', 'town', 'name', name='uq_expert_station')
    )
    op.create_table('expert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('organisation_name', sa.String(length=200), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=100), nullable=True),
    sa.Column('rank', sa.String(length=50), nullable=True),
    sa.Column('kinds', sa.JSON(), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('clusters', sa.JSON(), nullable=False),
    sa.Column('keywords', sa.JSON(), nullable=False),
    sa.Column('biography', sa.Text(), nullable=False),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('counties', sa.JSON(), nullable=False),
    sa.Column('towns', sa.JSON(), nullable=False),
    sa.Column('availability_days', sa.Integer(), nullable=False),
    sa.Column('output_ids', sa.JSON(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('contact', sa.String(length=200), nullable=True),
    sa.Column('external_id', sa.String(length=100), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('external_id'),
    sa.UniqueConstraint('user_id')
    )
    with op.batch_alter_table('expert', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expert_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('expert_dispatch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('expert_id', sa.Integer(), nullable=False),
    sa.Column('host_kind', sa.String(length=16), nullable=False),
    sa.Column('host_org_id', sa.Integer(), nullable=True),
    sa.Column('station_id', sa.Integer(), nullable=True),
    sa.Column('county', sa.String(length=50), nullable=True),
    sa.Column('town', sa.String(length=50), nullable=True),
    sa.Column('village', sa.String(length=100), nullable=True),
    sa.Column('start_on', sa.Date(), nullable=False),
    sa.Column('end_on', sa.Date(), nullable=False),
    sa.Column('days_per_month', sa.Integer(), nullable=False),
    sa.Column('goals', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('expert_confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('host_confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('host_confirmed_by', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['expert_id'], ['expert.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['host_confirmed_by'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['host_org_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['station_id'], ['expert_station.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('expert_dispatch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expert_dispatch_county'), ['county'], unique=False)
        batch_op.create_index(batch_op.f('ix_expert_dispatch_expert_id'), ['expert_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_expert_dispatch_host_org_id'), ['host_org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_expert_dispatch_status'), ['status'], unique=False)

    op.create_table('expert_visit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dispatch_id', sa.Integer(), nullable=False),
    sa.Column('expert_id', sa.Integer(), nullable=False),
    sa.Column('visit_on', sa.Date(), nullable=False),
    sa.Column('hours', sa.Float(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('work_done', sa.Text(), nullable=False),
    sa.Column('host_confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('host_confirmed_by', sa.Integer(), nullable=True),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('rating_comment', sa.Text(), nullable=True),
    sa.Column('rated_by', sa.Integer(), nullable=True),
    sa.Column('rated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['dispatch_id'], ['expert_dispatch.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['expert_id'], ['expert.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['host_confirmed_by'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['rated_by'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('expert_visit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expert_visit_dispatch_id'), ['dispatch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_expert_visit_expert_id'), ['expert_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_expert_visit_visit_on'), ['visit_on'], unique=False)

    op.create_table('expert_problem',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('dispatch_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('solved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_by', sa.Integer(), nullable=True),
    sa.Column('need_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['confirmed_by'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['dispatch_id'], ['expert_dispatch.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['need_id'], ['tech_need.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['visit_id'], ['expert_visit.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('expert_problem', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expert_problem_dispatch_id'), ['dispatch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_expert_problem_visit_id'), ['visit_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('expert_problem', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expert_problem_visit_id'))
        batch_op.drop_index(batch_op.f('ix_expert_problem_dispatch_id'))

    op.drop_table('expert_problem')
    with op.batch_alter_table('expert_visit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expert_visit_visit_on'))
        batch_op.drop_index(batch_op.f('ix_expert_visit_expert_id'))
        batch_op.drop_index(batch_op.f('ix_expert_visit_dispatch_id'))

    op.drop_table('expert_visit')
    with op.batch_alter_table('expert_dispatch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expert_dispatch_status'))
        batch_op.drop_index(batch_op.f('ix_expert_dispatch_host_org_id'))
        batch_op.drop_index(batch_op.f('ix_expert_dispatch_expert_id'))
        batch_op.drop_index(batch_op.f('ix_expert_dispatch_county'))

    op.drop_table('expert_dispatch')
    with op.batch_alter_table('expert', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expert_organisation_id'))

    op.drop_table('expert')
    op.drop_table('expert_station')
