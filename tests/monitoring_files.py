"""The PromQL expressions of deploy/monitoring/ (alert rules and the Grafana dashboard),
and the metric names they read, for the tests that check them against a node."""

import json
import re
from pathlib import Path
from typing import Any

MONITORING = Path(__file__).resolve().parent.parent / "deploy" / "monitoring"
ALERTS = MONITORING / "alerts.yml"
ALERTS_TEST = MONITORING / "alerts_test.yml"
SCRAPE_CONFIG = MONITORING / "prometheus.yml"
DASHBOARD = MONITORING / "grafana-dashboard.json"

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_NAME = re.compile(r"\b(?:lantan|process|python)_[a-zA-Z0-9_]*|\bup\b")
_HISTOGRAM_SUFFIX = re.compile(r"_(?:bucket|sum|count)$")
FROM_PROMETHEUS = frozenset({"up"})
"""Series Prometheus makes itself for every target, not read from a node."""


def dashboard_expressions() -> list[str]:
    dashboard: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return [
        target["expr"]
        for panel in dashboard["panels"]
        for target in panel.get("targets", [])
        if "expr" in target
    ]


def alert_expressions() -> list[str]:
    """The expr: of every rule; alerts.yml is read without a YAML library (block scalars
    and one-line exprs are the only forms it uses)."""
    expressions: list[str] = []
    lines = ALERTS.read_text().splitlines()
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped.startswith("expr:"):
            continue
        value = stripped[len("expr:") :].strip()
        if value != "|":
            expressions.append(value)
            continue
        indent = len(line) - len(line.lstrip())
        block = []
        for following in lines[index + 1 :]:
            if following.strip() and len(following) - len(following.lstrip()) <= indent:
                break
            block.append(following.strip())
        expressions.append(" ".join(part for part in block if part))
    return expressions


def metric_names(expression: str) -> set[str]:
    """Metric names an expression reads (label values in quotes are not names)."""
    return set(_NAME.findall(_STRING.sub('""', expression)))


def exported(name: str, families: set[str], samples: set[str]) -> bool:
    """Whether a node's /metrics holds name, as a sample or as a histogram's series."""
    if name in samples or name in families:
        return True
    base = _HISTOGRAM_SUFFIX.sub("", name)
    return base != name and base in families
