"""Challenge calls carry the owner's external id, unique per owner, so imports update instead of duplicating
(revision 0006)."""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    with op.batch_alter_table("challenge") as batch:
        batch.add_column(sa.Column("external_id", sa.String(length=100), nullable=True))
        batch.create_unique_constraint("uq_challenge_external_id", ["owner_org_id", "external_id"])


def downgrade() -> None:
    with op.batch_alter_table("challenge") as batch:
        batch.drop_constraint("uq_challenge_external_id", type_="unique")
        batch.drop_column("external_id")
