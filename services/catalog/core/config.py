"""Catalog settings, read from the environment (prefix DUIJIE_) or a .env file."""

from datetime import timedelta
from functools import cached_property
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.service_token import DEV_SERVICE_TOKEN, development_only, refuse_development_token

DEV_SECRET = "dev-secret-change-me-before-production-use"


class CatalogSettings(BaseSettings):
    """Where the catalog keeps its data and how it talks to the matcher."""

    model_config = SettingsConfigDict(env_prefix="DUIJIE_", env_file=".env", extra="ignore")

    environment: str = "development"
    data_dir: Path = Path("data")
    database_url: str | None = None
    secret_key: str = DEV_SECRET
    service_token: str = DEV_SERVICE_TOKEN
    access_token_minutes: int = 12 * 60
    matcher_url: str = "http://127.0.0.1:8001"
    # several matcher replicas, comma-separated (DUIJIE_MATCHER_URLS): requests take turns and fail over
    matcher_urls: str = ""
    # a replica this many changes behind the most advanced one is asked only when the others fail, and each
    # replica's progress is looked up at most this often (GET /v1/status, while a request waits)
    matcher_max_lag: int = 100
    matcher_lag_check_seconds: float = 2.0
    max_upload_mb: float = 20.0
    max_json_mb: float = 2.0  # any request body but a file upload
    sqlite_writers: int = 4  # writing requests in flight at once on SQLite; the others queue (core.guard)
    import_job_threshold: int = 2000
    # an upload's size once unpacked: rows and cells are counted while reading, refused (413) past these
    import_max_rows: int = 100_000
    import_max_cells: int = 5_000_000
    # a job's progress is written about once a second; this long without any, it was cut off (a restart)
    import_job_stale_seconds: float = 300.0
    host: str = "127.0.0.1"
    port: int = 8000
    # Workflow: e-mail notifications go out through SMTP from the outbox; no host, no background sender.
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "noreply@duijie.local"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    outbox_autostart: bool = True
    outbox_poll_seconds: float = 5.0
    outbox_lease_seconds: float = 120.0
    outbox_max_attempts: int = 12
    # where the portal is reached from outside: the links in e-mails (alerts, one-click unsubscribe) start here
    public_url: str = "http://127.0.0.1:8000"
    # subscriptions: the alert follower reads the change feed in the background this often (issue 16)
    alerts_autostart: bool = True
    alerts_poll_seconds: float = 30.0
    challenge_attachment_max_mb: float = 10.0  # one PDF attached to a challenge application
    # free-text search (portal boxes, GET /api/v1/search/*): anonymous callers may search this often a minute per
    # address (signed-in users are not limited); the matcher has this long to answer before the keyword ranking
    # is shown instead
    anon_search_per_minute: int = Field(30, ge=1)
    search_timeout_seconds: float = Field(3.0, gt=0)
    coverage_threshold: float = 0.55  # calibrated on bdci2019: benchmarks/results/matcher.md §5
    # pages list ranked candidates scoring below this behind "show weaker matches". On the same calibrated
    # scale (matcher.md §5): judged non-relevant pairs average 0.13 and "partly related" ones (level 2) 0.20,
    # two clearly unrelated test needs score < 0.275 with an output (tests/matcher/test_scores.py), while
    # relevant pairs average 0.29 and 30 % of them reach 0.40; 0.30 hides what reads as unrelated and keeps
    # (one click away) the relevant pairs a tiny catalog's weaker BM25 leaves just under it
    relevance_floor: float = Field(0.30, ge=0.0, le=1.0)
    # the plan's count of technical problems solved by 科技特派员 (host-confirmed), shown against the progress
    expert_problem_target: int = Field(1000, ge=1)

    @property
    def import_job_stale(self) -> timedelta:
        """How long a job in flight may go without progress before it reads as interrupted."""
        return timedelta(seconds=self.import_job_stale_seconds)

    @model_validator(mode="after")
    def _refuse_dev_secrets_where_reachable(self) -> "CatalogSettings":
        if self.secret_key == DEV_SECRET and not development_only(environment=self.environment, host=self.host):
            # anyone holding the public development secret could sign themselves an admin token
            raise ValueError("set DUIJIE_SECRET_KEY: the development secret is refused outside development or on a "
                             f"non-loopback address ({self.host})")
        refuse_development_token(environment=self.environment, host=self.host, service_token=self.service_token)
        return self

    @cached_property
    def db_url(self) -> str:
        """The database URL in force: the configured one, or SQLite inside the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'catalog.sqlite3').resolve()}"

    @property
    def challenge_attachment_max_bytes(self) -> int:
        """Size limit of one challenge attachment in bytes."""
        return int(self.challenge_attachment_max_mb * 1024 * 1024)

    @property
    def max_upload_bytes(self) -> int:
        """Upload size limit in bytes."""
        return int(self.max_upload_mb * 1024 * 1024)
