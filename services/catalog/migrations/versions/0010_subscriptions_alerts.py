"""Subscriptions and alerts (issue 16): subscriptions to one's needs, outputs or a saved search, the alerts they
fired (once per item) and the alert follower's cursor on the change feed (revision 0010)."""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('alert_cursor',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('subscription',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('target', sa.String(length=8), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=True),
    sa.Column('output_id', sa.Integer(), nullable=True),
    sa.Column('query', sa.String(length=500), nullable=True),
    sa.Column('field', sa.String(length=100), nullable=True),
    sa.Column('cluster', sa.String(length=32), nullable=True),
    sa.Column('region', sa.String(length=50), nullable=True),
    sa.Column('threshold', sa.Float(), nullable=False),
    sa.Column('frequency', sa.String(length=16), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('paused', sa.Boolean(), nullable=False),
    sa.Column('since_seq', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['need_id'], ['tech_need.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['output_id'], ['research_output.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('subscription', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subscription_need_id'), ['need_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_subscription_output_id'), ['output_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_subscription_user_id'), ['user_id'], unique=False)

    op.create_table('subscription_alert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('item_kind', sa.String(length=8), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('explanation_zh', sa.Text(), nullable=False),
    sa.Column('explanation_en', sa.Text(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('notification_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['notification_id'], ['notification.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['subscription_id'], ['subscription.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('subscription_id', 'item_kind', 'item_id', name='uq_subscription_alert')
    )
    with op.batch_alter_table('subscription_alert', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subscription_alert_delivered_at'), ['delivered_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_subscription_alert_subscription_id'), ['subscription_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('subscription_alert', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subscription_alert_subscription_id'))
        batch_op.drop_index(batch_op.f('ix_subscription_alert_delivered_at'))

    op.drop_table('subscription_alert')
    with op.batch_alter_table('subscription', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subscription_user_id'))
        batch_op.drop_index(batch_op.f('ix_subscription_output_id'))
        batch_op.drop_index(batch_op.f('ix_subscription_need_id'))

    op.drop_table('subscription')
    op.drop_table('alert_cursor')
