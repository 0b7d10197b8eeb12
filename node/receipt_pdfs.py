"""Printable receipts: verify a receipt against this node's genesis, then render its PDF.

The node renders with the same code an auditor runs (client/receipt/verify.py feeds the
facts to client/receipt/pdf.py), so the PDF shows only what the receipt proves. The CJK
font is chosen once where the node is assembled (node/assembly.py: $LANTAN_CJK_FONT, then the
known Debian paths); a node without one still serves pages and answers the PDF with the
font error.

Verifying and rendering one receipt costs about 0.33 s of CPU; a client repeating the
request would otherwise buy that much per request. The same receipt bytes always give the
same PDF bytes (tests/receipts), so a hit in the small LRU below is exact. Thread-safe:
FastAPI runs the sync route on its thread pool.
"""

import threading
from collections import OrderedDict

from client.errors import FontError
from client.receipt.codes import ReceiptError
from client.receipt.fonts import FontChoice
from client.receipt.verify import verify_receipt
from protocol.hashing import Hash32, sha256

PDF_CACHE_ENTRIES = 64


class ReceiptPdfError(Exception):
    """The receipt did not verify, or the font cannot be embedded: no PDF."""


class PdfCache:
    def __init__(self, entries: int = PDF_CACHE_ENTRIES) -> None:
        self._entries = entries
        self._pdfs: OrderedDict[Hash32, bytes] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0

    def get(self, receipt: bytes) -> bytes | None:
        key = sha256(receipt)
        with self._lock:
            pdf = self._pdfs.get(key)
            if pdf is not None:
                self._pdfs.move_to_end(key)
                self.hits += 1
            return pdf

    def put(self, receipt: bytes, pdf: bytes) -> None:
        with self._lock:
            self._pdfs[sha256(receipt)] = pdf
            self._pdfs.move_to_end(sha256(receipt))
            while len(self._pdfs) > self._entries:
                self._pdfs.popitem(last=False)


class ReceiptPdfs:
    """Renders receipt PDFs of one chain with one font; remembers the latest few."""

    def __init__(
        self, genesis_bytes: bytes, font: FontChoice | FontError, cache: PdfCache | None = None
    ) -> None:
        self._genesis_bytes = genesis_bytes
        self._font = font
        self.cache = cache or PdfCache()

    def render(self, receipt: bytes) -> bytes:
        """The PDF of receipt (canonical JSON bytes). Raises ReceiptPdfError."""
        cached = self.cache.get(receipt)
        if cached is not None:
            return cached
        try:
            facts = verify_receipt(receipt, self._genesis_bytes)
            if isinstance(self._font, FontError):
                raise self._font
            # Imported here, not at the top: reportlab costs every node start about a
            # quarter of a CPU second, and most nodes never print a receipt.
            from client.receipt.pdf import render_receipt_pdf

            pdf = render_receipt_pdf(facts, self._font)
        except (ReceiptError, FontError) as error:
            raise ReceiptPdfError(str(error)) from None
        self.cache.put(receipt, pdf)
        return pdf
