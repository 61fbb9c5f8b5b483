"""Challenge calls and applications carry a contact, revealed to the other party once awarded (revision 0007)."""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    for table in ("challenge", "challenge_application"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("contact", sa.String(length=200), nullable=True))


def downgrade() -> None:
    for table in ("challenge", "challenge_application"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("contact")
