"""Asking the matcher for a pair's score when the broker did not supply the one they saw."""

from dataclasses import dataclass
from typing import Any

import httpx

from services.catalog import matcher_client
from services.catalog.config import CatalogSettings
from services.catalog.errors import AppError
from shared.schemas import CatalogItem, MatchRequest
from shared.vocab import ItemKind

RANK_DEPTH = 100


@dataclass(frozen=True)
class Verdict:
    """The matcher's score and explanation for one pair."""

    score: float
    explanation: dict[str, Any]
    components: dict[str, float]
    model: str | None


def score_pair(settings: CatalogSettings, need: CatalogItem, output_id: int) -> Verdict:
    """The matcher's verdict on (need, output); 503 when it is unreachable, 422 when it does not rank the output."""
    request = MatchRequest(target=ItemKind.output, item=need, k=RANK_DEPTH, include_brokers_only=True)
    try:
        ranking = matcher_client.match(settings=settings, request=request)
    except (httpx.HTTPError, ValueError) as exc:
        raise AppError("匹配服务暂时不可用，请稍后重试，或在请求中直接给出评分 score 和解释 explanation",
                       "The matcher is unavailable; retry later or give score and explanation in the request",
                       status_code=503, code="matcher_unavailable") from exc
    for result in ranking.results:
        if result.id == output_id:
            return Verdict(result.score, result.explanation.model_dump(), result.components, ranking.model)
    raise AppError(f"匹配服务未把成果 {output_id} 排进该需求的前 {RANK_DEPTH} 名；如仍要推荐，请直接给出评分 score",
                   f"The matcher does not rank output {output_id} in this need's top {RANK_DEPTH}; "
                   f"give a score explicitly to propose it anyway", status_code=422, code="not_ranked")
