"""`duijie train-ranker`: fit the matcher's learned ranker from judgements and store it beside the index."""

import json
from pathlib import Path
from typing import Annotated, Any

import typer

DEFAULT_BDCI = Path(__file__).resolve().parents[2] / "shared" / "eval" / "bdci2019"  # ../shared beside the checkout


def register(app: typer.Typer) -> None:
    """Add the learned ranker's command to the `duijie` CLI."""

    @app.command("train-ranker")
    def train_ranker(
        data_dir: Annotated[Path | None, typer.Option(help="the matcher's index directory (DUIJIE_DATA_DIR)")] = None,
        feedback: Annotated[Path | None, typer.Option(
            help="decisions exported by `duijie export-feedback` (JSON Lines)")] = None,
        bdci: Annotated[Path | None, typer.Option(help="bdci2019 judgements (default ../shared/eval/bdci2019)")] = None,
        no_bdci: Annotated[bool, typer.Option("--no-bdci", help="learn from the decisions alone")] = False,
        model: Annotated[str, typer.Option(help="linear or lightgbm")] = "linear",
        min_pairs: Annotated[int, typer.Option(help="refuse with fewer judged pairs")] = 0,
        min_queries: Annotated[int, typer.Option(help="refuse with fewer judged queries")] = 0,
        force: Annotated[bool, typer.Option("--force", help="install even a model that does not beat the fusion "
                                            "in cross-validation")] = False,
    ) -> None:
        """Train the learned ranker from bdci2019 and brokers' decisions; the matcher uses it from its next start."""
        from services.matcher import learned
        from services.matcher import ranker_training as rt
        from services.matcher.config import MatcherSettings
        from services.matcher.embedder import E5Embedder, e5_available, load_embedder
        from services.matcher.engine import Matcher
        from services.matcher.text import warm_up

        if model not in rt.FITTERS:
            typer.echo(f"未知模型 / unknown model {model!r}: linear or lightgbm", err=True)
            raise typer.Exit(2)
        if feedback is not None and not feedback.exists():
            typer.echo(f"找不到反馈文件 / feedback file not found: {feedback}", err=True)
            raise typer.Exit(2)
        given: dict[str, Any] = {"data_dir": data_dir} if data_dir else {}
        settings = MatcherSettings(**given, follow=False)
        root = None if no_bdci else (bdci or DEFAULT_BDCI)
        if bdci is not None and not bdci.exists():
            typer.echo(f"找不到 bdci2019 / bdci2019 not found: {bdci}", err=True)
            raise typer.Exit(2)
        embedder = load_embedder(settings.embedder)
        with_second = settings.second_embedder == "e5" or (settings.second_embedder == "auto" and e5_available())
        embedder2 = E5Embedder(threads=settings.query_threads) if with_second else None
        warm_up()
        groups: list[rt.Group] = []
        sources: dict[str, int] = {}
        if root is not None and root.exists():
            groups += rt.bdci_groups(root, settings, embedder, embedder2, say=lambda s: typer.echo(s, err=True))
            sources["bdci2019_pairs"] = rt.count(groups)[0]
        if feedback is not None:
            matcher = Matcher(settings, embedder, embedder2)
            if not matcher.load():
                typer.echo(f"没有索引快照 / no index snapshot in {settings.data_dir}: "
                              "decisions on outputs it does not hold are skipped", err=True)
            rows = [json.loads(line) for line in feedback.read_text(encoding="utf-8").splitlines() if line.strip()]
            more, counts = rt.feedback_groups(matcher, rows)
            groups += more
            sources.update({f"feedback_{k}": v for k, v in counts.items()})
            typer.echo(f"decisions: {counts}", err=True)
        pairs, queries = rt.count(groups)
        need_pairs, need_queries = max(min_pairs, rt.MIN_PAIRS), max(min_queries, rt.MIN_QUERIES)
        if pairs < need_pairs or queries < need_queries:
            typer.echo(f"判断太少，未训练 / too few judgements to train: {pairs} pairs over {queries} queries "
                          f"(at least {need_pairs} and {need_queries}); the matcher keeps the hand-tuned fusion", err=True)
            raise typer.Exit(1)
        cv = rt.cross_validate(groups, model)
        gain = cv.get("pool_learned_ndcg@10", 0.0) - cv.get("pool_fusion_ndcg@10", 0.0)
        if gain <= 0 and not force:
            typer.echo(f"不优于现有融合排序，未安装 / the model does not beat the hand-tuned fusion in 5-fold "
                       f"cross-validation (nDCG@10 {cv.get('pool_learned_ndcg@10', 0):.3f} against "
                       f"{cv.get('pool_fusion_ndcg@10', 0):.3f}); not installed (--force installs it)", err=True)
            raise typer.Exit(1)
        fitted = rt.FITTERS[model](groups)
        path = learned.save(settings.data_dir, fitted, rt.meta(model, groups, cv, sources))
        typer.echo(f"trained {model} on {pairs} judged pairs over {queries} queries → {path}")
        typer.echo("5-fold cross-validated nDCG@10 (learned / fusion): "
                      f"{cv.get('pool_learned_ndcg@10', 0):.3f} / {cv.get('pool_fusion_ndcg@10', 0):.3f} "
                      f"ordering each held-out query's judged candidates")
        typer.echo("restart the matcher to rank with it / 重启匹配服务后生效")
