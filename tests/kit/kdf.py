"""The keystore cost test networks are made with."""

import nacl.pwhash

from genesis.keystore import KdfLimits

TEST_KDF_LIMITS = KdfLimits(
    opslimit=nacl.pwhash.argon2id.OPSLIMIT_MIN, memlimit=nacl.pwhash.argon2id.MEMLIMIT_MIN
)
"""libsodium's minimum Argon2id cost (genesis/keystore_format.py accepts it): an unlock
takes about a millisecond, against ~0.14 s of CPU at the interactive cost local networks
use, and every node start and `lantan tx` of the test tiers unlocks a key. Tests only: a
real key's passphrase needs the cost (OPERATIONS.md "Keys")."""
