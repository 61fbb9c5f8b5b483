"""Experts and dispatches as the portal shows and reads them: labels in the reader's language, the region list as
form choices, and the profile form's values. Pure presentation: every rule lives in services/catalog/experts."""

from typing import Any

from starlette.datastructures import FormData

from services.catalog.experts.models import Expert
from services.catalog.experts.regions import COUNTIES
from services.catalog.experts.vocab import HOST_LABELS, KIND_LABELS, DispatchStatus, ExpertKind, ProblemStatus
from services.catalog.portal.challenge_view import pair
from services.catalog.portal.forms import split_list

DISPATCH = {DispatchStatus.pending: ("待确认", "Awaiting confirmation"), DispatchStatus.confirmed: ("执行中", "Running"),
            DispatchStatus.cancelled: ("已取消", "Cancelled")}
PROBLEM = {ProblemStatus.open: ("待解决", "Open"), ProblemStatus.solved: ("专家已解决，待确认", "Solved, to confirm"),
           ProblemStatus.confirmed: ("已确认解决", "Confirmed solved")}
# The profile form: plain text fields, fields typed as one line (split on commas) and checkbox lists.
TEXT = ("name", "organisation_name", "title", "rank", "biography", "availability_days", "contact", "external_id",
        "organisation_id", "user_id")
LINES = ("fields", "keywords", "languages", "towns")
CHECKS = ("kinds", "clusters", "counties", "output_ids")


def labels(lang: str) -> dict[str, Any]:
    """The helpers every expert template uses."""
    return {"expert_kind": lambda v: pair(KIND_LABELS, v, lang), "host_kind": lambda v: pair(HOST_LABELS, v, lang),
            "dispatch_status": lambda v: pair(DISPATCH, v, lang), "problem_status": lambda v: pair(PROBLEM, v, lang),
            "expert_kinds": [k.value for k in ExpertKind], "counties": COUNTIES}


def place_value(county: str | None, town: str | None) -> str:
    """A county and town as one choice of the region select (`county|town`)."""
    return f"{county}|{town}" if county and town else ""


def read_place(text: str) -> tuple[str | None, str | None]:
    """The county and town of a region select's choice (blank: neither)."""
    county, _, town = text.partition("|")
    return (county or None), (town or None)


def profile_values(form: FormData) -> dict[str, Any]:
    """The submitted profile form, to echo back after an error."""
    values: dict[str, Any] = {name: str(form.get(name) or "").strip() for name in TEXT}
    values |= {name: str(form.get(name) or "").strip() for name in LINES}
    values |= {name: [str(v) for v in form.getlist(name)] for name in CHECKS}
    return values


def stored_profile(expert: Expert) -> dict[str, Any]:
    """A stored profile's values for its edit form."""
    values: dict[str, Any] = {name: "" if getattr(expert, name, None) is None else str(getattr(expert, name))
                              for name in TEXT}
    values |= {name: "，".join(getattr(expert, name)) for name in LINES}
    values |= {name: [str(v) for v in getattr(expert, name)] for name in CHECKS}
    values["active"] = expert.active
    return values


def profile_data(values: dict[str, Any], *, names: tuple[str, ...]) -> dict[str, Any]:
    """Form values as profile fields (lines split, blank optional text as None), only those in `names`."""
    data: dict[str, Any] = {name: split_list(values[name]) for name in LINES}
    data |= {name: values[name] for name in CHECKS}
    data |= {name: values[name] or None for name in TEXT}
    data["biography"] = values["biography"]
    if values["availability_days"]:
        data["availability_days"] = values["availability_days"]
    else:
        data.pop("availability_days")
    return {k: v for k, v in data.items() if k in names and not (v is None and k in ("name", "organisation_id",
                                                                                        "user_id", "external_id"))}
