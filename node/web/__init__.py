"""The web registry and receipt checker: HTML pages over the committed chain (ADR 0008).

Pages render escaped HTML from the typed reads of node.chain_view.ChainView (the node's one
read port); node/api/routes/web.py serves them. static/ holds the checker's verifier and
crypto fallbacks, templates/ the shells.
"""

from node.web.checker import checker_page, offline_checker_html
from node.web.layout import Context, Page, PageError

__all__ = ["Context", "Page", "PageError", "checker_page", "offline_checker_html"]
