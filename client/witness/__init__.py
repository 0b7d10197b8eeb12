"""`lantan witness`: cosign checkpoints only after checking they extend what was seen (ADR 0021)."""
