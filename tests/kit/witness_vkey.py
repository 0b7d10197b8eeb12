"""A witness's C2SP cosignature/v1 verifier key, derived from PROTOCOL.md §10.1's rule alone
(not through protocol/cosignature.py), so tests compare what is published with the doc."""

import base64
import hashlib


def vkey_by_the_rule(name: str, public_key: bytes) -> str:
    """<name>+<hex SHA-256(name || 0x0A || 0x04 || key)[:4]>+<base64(0x04 || key)>."""
    key_id = hashlib.sha256(name.encode() + b"\n\x04" + public_key).digest()[:4]
    key_data = base64.b64encode(b"\x04" + public_key).decode()
    return f"{name}+{key_id.hex()}+{key_data}"
