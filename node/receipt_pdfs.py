"""Printable receipts: verify a receipt against this node's genesis, then render its PDF.

The node renders with the same code an auditor runs (client/receipt/verify.py feeds the
facts to client/receipt/pdf.py), so the PDF shows only what the receipt proves. The CJK
font is chosen once where the node is assembled (node/assembly.py: $LANTAN_CJK_FONT, then the
known Debian paths); a node without one still serves pages and answers the PDF with the
font error.

Verifying and rendering one receipt costs 0.3-1 s of CPU, holding the interpreter's lock
most of it, and the route is public. So the PDFs are cached by the receipt's digest (the
same for every copy of one retirement's receipt: PROTOCOL.md §14.3), not by its bytes,
which change with every checkpoint: keyed by bytes, a live chain missed every time (stop
55's hostile pass). A hit may be the PDF of an earlier checkpoint of the same receipt,
every word of it still proven. And one render runs at a time: 100 requests at once ran on
the server's thread pool and /healthz took 25-30 s to answer; past the one, a request is
answered 503 at once (ReceiptPdfBusyError), queued nowhere. Thread-safe: FastAPI runs the
sync route on its thread pool.
"""

import threading
from collections import OrderedDict

from client.errors import FontError
from client.receipt.codes import ReceiptError
from client.receipt.fonts import FontChoice
from client.receipt.verify import verify_receipt

PDF_CACHE_ENTRIES = 64
RENDERS_AT_ONCE = 1
"""PDFs rendered at once: rendering is CPU under the interpreter's lock, so a second one
at once finishes no sooner and takes the event loop's share."""


class ReceiptPdfError(Exception):
    """The receipt did not verify, or the font cannot be embedded: no PDF."""


class ReceiptPdfBusyError(Exception):
    """RENDERS_AT_ONCE PDFs are being rendered: ask again in a moment."""


class PdfCache:
    """The latest PDFs by their receipt's digest, least recently used out first."""

    def __init__(self, entries: int = PDF_CACHE_ENTRIES) -> None:
        self._entries = entries
        self._pdfs: OrderedDict[bytes, bytes] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0

    def get(self, digest: bytes) -> bytes | None:
        with self._lock:
            pdf = self._pdfs.get(digest)
            if pdf is not None:
                self._pdfs.move_to_end(digest)
                self.hits += 1
            return pdf

    def put(self, digest: bytes, pdf: bytes) -> None:
        with self._lock:
            self._pdfs[digest] = pdf
            self._pdfs.move_to_end(digest)
            while len(self._pdfs) > self._entries:
                self._pdfs.popitem(last=False)


class ReceiptPdfs:
    """Renders receipt PDFs of one chain with one font, one at a time; remembers the latest
    few."""

    def __init__(
        self, genesis_bytes: bytes, font: FontChoice | FontError, cache: PdfCache | None = None
    ) -> None:
        self._genesis_bytes = genesis_bytes
        self._font = font
        self.cache = cache or PdfCache()
        self._rendering = threading.BoundedSemaphore(RENDERS_AT_ONCE)

    def render(self, receipt: bytes, digest: bytes) -> bytes:
        """The PDF of receipt (canonical JSON bytes this node built; digest its
        `receipt_digest`). Raises ReceiptPdfError, or ReceiptPdfBusyError."""
        cached = self.cache.get(digest)
        if cached is not None:
            return cached
        if not self._rendering.acquire(blocking=False):
            raise ReceiptPdfBusyError(f"{RENDERS_AT_ONCE} receipt PDF is being rendered")
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
        finally:
            self._rendering.release()
        self.cache.put(digest, pdf)
        return pdf
