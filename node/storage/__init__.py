"""A node's LevelDB storage behind the storage ports of protocol/ and contracts/."""

from node.storage.errors import (
    ReadOnlyViewError,
    StaleOverlayError,
    StorageError,
    StoreLockedError,
    StoreOpenError,
)
from node.storage.leveldb import LevelDbStore, TxLocation
from node.storage.overlay import Overlay

__all__ = [
    "LevelDbStore",
    "Overlay",
    "ReadOnlyViewError",
    "StaleOverlayError",
    "StorageError",
    "StoreLockedError",
    "StoreOpenError",
    "TxLocation",
]
