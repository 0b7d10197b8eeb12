"""The node's HTTP interface: public /v1, validator-only /peer, health and metrics."""
