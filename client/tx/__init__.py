"""Txs from the command line: bodies, signing keys, tx files, submission and its outcome."""
