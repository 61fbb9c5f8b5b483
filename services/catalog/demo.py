"""A small demo dataset written by the project itself, and one account per role."""

import json
from pathlib import Path

from sqlmodel import Session, func, select

from services.catalog.accounts.models import Organisation, User
from services.catalog.accounts.schemas import UserCreate
from services.catalog.accounts.service import create_user
from services.catalog.accounts.vocab import OrgKind, Role
from services.catalog.items.kinds import NEEDS, OUTPUTS
from services.catalog.items.schemas import NeedCreate, OutputCreate
from services.catalog.items.service import create_item

DEMO_PASSWORD = "duijie-demo-2026"

# Items name their organisation, whose id is known only once written; their other keys are schema fields.
DATASET = json.loads(Path(__file__).with_name("demo_data.json").read_text(encoding="utf-8"))
ACCOUNTS = [(a["login"], Role(a["role"]), a["organisation"]) for a in DATASET["accounts"]]


def seed_demo(session: Session) -> bool:
    """Write the demo organisations, accounts, outputs and needs into an empty catalog; False if not empty."""
    if session.exec(select(func.count()).select_from(User)).one() > 0:
        return False
    orgs: dict[str, Organisation] = {}
    for org in DATASET["organisations"]:
        orgs[org["name"]] = Organisation(name=org["name"], kind=OrgKind(org["kind"]), region=org["region"])
        session.add(orgs[org["name"]])
    session.flush()
    users: dict[str, User] = {}
    for login, role, org_name in ACCOUNTS:
        org_id = orgs[org_name].id if org_name else None
        users[login] = create_user(session, data=UserCreate(login=login, password=DEMO_PASSWORD, role=role,
                                                      organisation_id=org_id, display_name=login))
    for spec, schema, key in ((OUTPUTS, OutputCreate, "outputs"), (NEEDS, NeedCreate, "needs")):
        for row in DATASET[key]:
            fields = {name: value for name, value in row.items() if name != "organisation"}
            data = schema.model_validate({**fields, "organisation_id": orgs[row["organisation"]].id,
                                          "industry_section": "制造业"})
            create_item(session, spec=spec, user=users["admin"], data=data)
    session.commit()
    return True
