"""The `lantan` commands: main.py dispatches, one module per command group (entry points)."""
