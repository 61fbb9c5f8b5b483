"""Path and query parameters every route shares: ids and page numbers, each checked once (1 ≤ n ≤ MAX_ID)."""

from typing import Annotated

from fastapi import Path, Query

from services.catalog.core.inputs import MAX_ID, MAX_PAGE

IdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="an id")]
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID, description="an id")]
PageQuery = Annotated[int, Query(ge=1, le=MAX_PAGE, description="page number, from 1")]
