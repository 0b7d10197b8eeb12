"""Money amounts as people read them: integer fen shown as yuan, exactly (no floats).

The chain records every amount in fen (1/100 yuan): compensation, prices, totals, sums
insured, claims. The CLI, the receipt PDF, the web pages and the CSV exports all show them
through this one function.
"""


def yuan_digits(amount_fen: int, *, grouped: bool = True) -> str:
    """12236600 fen -> "122,366.00" (grouped) or "122366.00" (a CSV cell a spreadsheet
    reads as a number); integer arithmetic only."""
    yuan, fen = divmod(amount_fen, 100)
    return f"{yuan:,}.{fen:02d}" if grouped else f"{yuan}.{fen:02d}"
