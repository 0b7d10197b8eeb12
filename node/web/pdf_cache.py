"""A small LRU of rendered receipt PDFs, keyed by the receipt's canonical bytes.

Verifying and rendering one receipt costs about 0.33 s of CPU; a client repeating the
request would otherwise buy that much per request. The same receipt bytes always give the
same PDF bytes (tests/receipts), so a hit is exact. Thread-safe: FastAPI runs the sync
route on its thread pool.
"""

import threading
from collections import OrderedDict

from protocol.hashing import Hash32, sha256

PDF_CACHE_ENTRIES = 64


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
