"""Prometheus metrics of one node process, through the official prometheus_client.

registry.py defines every metric on one CollectorRegistry per NodeMetrics (no global
registry: two nodes in one test process never share a series); tx_latency.py times txs
from first seen to committed; consensus_observer.py reads round timing and signing health
off the replica's steps; scrape.py exports, at scrape time, what other objects hold.
docs/OPERATIONS.md lists every metric.
"""
