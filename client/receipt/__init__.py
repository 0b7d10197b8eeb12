"""Retirement receipts and tx proofs: verify offline against genesis, summarise, print PDF."""
