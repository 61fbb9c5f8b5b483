"""Challenge calls (揭榜挂帅): calls, their history, applications, attachments, reviewers, reviews, task agreements,
milestones and invitations (revision 0005)."""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('challenge',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('problem', sa.Text(), nullable=False),
    sa.Column('indicators', sa.JSON(), nullable=False),
    sa.Column('bounty_yuan', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('funding_source', sa.String(length=16), nullable=False),
    sa.Column('deadline', sa.DateTime(timezone=True), nullable=False),
    sa.Column('eligibility', sa.JSON(), nullable=False),
    sa.Column('criteria', sa.JSON(), nullable=False),
    sa.Column('cluster', sa.String(length=32), nullable=True),
    sa.Column('field', sa.String(length=100), nullable=True),
    sa.Column('region', sa.String(length=50), nullable=True),
    sa.Column('need_ids', sa.JSON(), nullable=False),
    sa.Column('owner_org_id', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_org_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('challenge', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_challenge_cluster'), ['cluster'], unique=False)
        batch_op.create_index(batch_op.f('ix_challenge_owner_org_id'), ['owner_org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_challenge_region'), ['region'], unique=False)
        batch_op.create_index(batch_op.f('ix_challenge_status'), ['status'], unique=False)

    op.create_table('challenge_application',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('lead_org_id', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('team', sa.JSON(), nullable=False),
    sa.Column('approach', sa.Text(), nullable=False),
    sa.Column('responses', sa.JSON(), nullable=False),
    sa.Column('milestones', sa.JSON(), nullable=False),
    sa.Column('budget_yuan', sa.Numeric(precision=16, scale=2), nullable=True),
    sa.Column('output_ids', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('stage', sa.String(length=16), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('winner', sa.Boolean(), nullable=False),
    sa.Column('award_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenge.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['lead_org_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('challenge_id', 'lead_org_id', name='uq_challenge_application_lead')
    )
    with op.batch_alter_table('challenge_application', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_challenge_application_challenge_id'), ['challenge_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_challenge_application_lead_org_id'), ['lead_org_id'], unique=False)

    op.create_table('challenge_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('from_status', sa.String(length=16), nullable=True),
    sa.Column('to_status', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenge.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('challenge_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_challenge_event_challenge_id'), ['challenge_id'], unique=False)

    op.create_table('challenge_invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('output_id', sa.Integer(), nullable=True),
    sa.Column('invited_by', sa.Integer(), nullable=True),
    sa.Column('invited_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenge.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invited_by'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['output_id'], ['research_output.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('challenge_id', 'organisation_id', name='uq_challenge_invitation')
    )
    with op.batch_alter_table('challenge_invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_challenge_invitation_challenge_id'), ['challenge_id'], unique=False)

    op.create_table('challenge_reviewer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('assigned_by', sa.Integer(), nullable=True),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assigned_by'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenge.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('challenge_id', 'reviewer_id', name='uq_challenge_reviewer')
    )
    with op.batch_alter_table('challenge_reviewer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_challenge_reviewer_challenge_id'), ['challenge_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_challenge_reviewer_reviewer_id'), ['reviewer_id'], unique=False)

    op.create_table('challenge_agreement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=True),
    sa.Column('committed_yuan', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['challenge_application.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenge.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['contract_id'], ['tech_contract.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('application_id')
    )
    with op.batch_alter_table('challenge_agreement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_challenge_agreement_challenge_id'), ['challenge_id'], unique=False)

    op.create_table('challenge_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('stored_as', sa.String(length=200), nullable=False),
    sa.Column('uploaded_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['challenge_application.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('challenge_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_challenge_attachment_application_id'), ['application_id'], unique=False)

    op.create_table('challenge_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=16), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('weighted', sa.Float(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['challenge_application.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenge.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('application_id', 'reviewer_id', 'stage', name='uq_challenge_review')
    )
    with op.batch_alter_table('challenge_review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_challenge_review_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_challenge_review_challenge_id'), ['challenge_id'], unique=False)

    op.create_table('challenge_milestone',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('deliverable', sa.Text(), nullable=False),
    sa.Column('amount_yuan', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['agreement_id'], ['challenge_agreement.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenge.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('challenge_milestone', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_challenge_milestone_agreement_id'), ['agreement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_challenge_milestone_challenge_id'), ['challenge_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('challenge_milestone', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_challenge_milestone_challenge_id'))
        batch_op.drop_index(batch_op.f('ix_challenge_milestone_agreement_id'))

    op.drop_table('challenge_milestone')
    with op.batch_alter_table('challenge_review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_challenge_review_challenge_id'))
        batch_op.drop_index(batch_op.f('ix_challenge_review_application_id'))

    op.drop_table('challenge_review')
    with op.batch_alter_table('challenge_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_challenge_attachment_application_id'))

    op.drop_table('challenge_attachment')
    with op.batch_alter_table('challenge_agreement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_challenge_agreement_challenge_id'))

    op.drop_table('challenge_agreement')
    with op.batch_alter_table('challenge_reviewer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_challenge_reviewer_reviewer_id'))
        batch_op.drop_index(batch_op.f('ix_challenge_reviewer_challenge_id'))

    op.drop_table('challenge_reviewer')
    with op.batch_alter_table('challenge_invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_challenge_invitation_challenge_id'))

    op.drop_table('challenge_invitation')
    with op.batch_alter_table('challenge_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_challenge_event_challenge_id'))

    op.drop_table('challenge_event')
    with op.batch_alter_table('challenge_application', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_challenge_application_lead_org_id'))
        batch_op.drop_index(batch_op.f('ix_challenge_application_challenge_id'))

    op.drop_table('challenge_application')
    with op.batch_alter_table('challenge', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_challenge_status'))
        batch_op.drop_index(batch_op.f('ix_challenge_region'))
        batch_op.drop_index(batch_op.f('ix_challenge_owner_org_id'))
        batch_op.drop_index(batch_op.f('ix_challenge_cluster'))

    op.drop_table('challenge')
