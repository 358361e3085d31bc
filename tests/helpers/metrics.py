"""Reading a CLI run's Prometheus endpoint from a test."""

from __future__ import annotations

import re
import urllib.request
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

_URL = re.compile(r"metrics at (http://127\.0\.0\.1:\d+/metrics)")

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def metrics_url(log: Path) -> str | None:
    """The address the CLI printed on stderr (``sectionflow: metrics at URL``), once there."""
    if not log.exists():
        return None
    match = _URL.search(log.read_text(errors="replace"))
    return match[1] if match else None


def scrape(url: str) -> Samples:
    """Every sample: (name, sorted labels) -> value."""
    with urllib.request.urlopen(url, timeout=5) as reply:
        text = reply.read().decode()
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples[(name, tuple(sorted(labels.items())))]
