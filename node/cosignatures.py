"""Witness cosignatures the node collects and serves with its checkpoints (ADR 0021).

A witness POSTs one cosignature line for a checkpoint this node serves. The line is bounded
before it is parsed, must name a witness of genesis, carry a sane timestamp and verify over
that exact checkpoint text before it is kept; per size one line per witness (the newest),
so a size holds at most as many lines as genesis names witnesses. With an archive (the
node's LevelDB) every size's lines are written durably, all at once, before they are
served; a restarted node reloads the newest SIZES_KEPT sizes, so its receipts do not wait
for the witnesses' next round. Older sizes are read from the archive when asked for.

A stored value is re-bounded on read like a posted line (at most one line per witness of
genesis, each decoding and naming one, and verifying over the stored checkpoint text when
the book is given it). A corrupt value does not stop the node: it is skipped (that size
has no cosignatures here until the witnesses post again), with one warning naming the size
and the reason, counted by the `skipped` callback (lantan_cosignatures_skipped_total).
"""

import logging
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

from protocol.cosignature import Cosignature, cosignature_key_id, verify_cosignature
from protocol.errors import NoteError
from protocol.note import NoteSignature, parse_signature_line
from protocol.witnesses import Witness, WitnessSet

SIZES_KEPT = 1024
"""Checkpoint sizes whose cosignatures are kept; a receipt needs only a recent one."""
LINE_BYTES_MAX = 512
"""A cosignature line is about 150 bytes (a 128-byte name at most, 96 base64 characters)."""
FUTURE_SKEW_S = 300
"""A timestamp more than this ahead of our clock is refused (the spec allows refusing any
future time; a little slack keeps a witness with a slightly fast clock useful)."""
WITNESS_LINES_PER_S = 2
WITNESS_LINES_BURST = 64
"""Verified lines one witness may have checked and kept per second (each an Ed25519 check
on the event loop and, when newer, a synced write), after a burst of WITNESS_LINES_BURST
(a witness catching up on the sizes it missed). An honest witness cosigns each new
checkpoint once, about one a block; a hostile one re-signed one size with rising
timestamps, each line a synced write: 1,000 posts, 1,000 writes (stop 50). Past it: 429."""
FORGED_LINES_BURST = 16
FORGED_LINES_PER_S = 1
SENDERS_TRACKED_MAX = 1024
"""Lines that fail their signature check one sender (a client address) may post: a burst,
then one a second; past it its lines are refused (429) before they are decoded or checked.
Only failures spend it, so a witness (whose lines verify) never does; the witness budget
above is spent only by verified lines, so that a stranger naming a witness's key cannot
drain it, and forged lines cost a check each with no bound (hostile pass of stop 51). At
most SENDERS_TRACKED_MAX senders are tracked, the longest quiet forgotten first."""


log = logging.getLogger("lantan.node")


class CosignatureArchive(Protocol):
    """Durable cosignature lines by size (node/storage/leveldb.py LevelDbStore implements it)."""

    def put_cosignature_lines(self, size: int, lines: bytes) -> None: ...

    def get_cosignature_lines(self, size: int) -> bytes | None: ...

    def newest_cosignature_lines(self, count: int) -> list[tuple[int, bytes]]: ...


class CosignatureRefusedError(Exception):
    """A cosignature line the node does not keep; the message says why (answered as 400)."""


class CosignatureThrottledError(Exception):
    """A witness past WITNESS_LINES_PER_S (answered as 429, Retry-After)."""


class CheckpointUnknownError(Exception):
    """A cosignature for a size this node holds no signed checkpoint of (answered as 404)."""

    def __init__(self, size: int) -> None:
        super().__init__(f"no signed checkpoint of size {size} here")
        self.size = size


class CosignatureBook:
    """Verified cosignatures by checkpoint size, then by witness name."""

    def __init__(
        self,
        witnesses: WitnessSet,
        archive: CosignatureArchive | None = None,
        *,
        checkpoint_text: Callable[[int], str | None] | None = None,
        skipped: Callable[[], None] | None = None,
    ) -> None:
        """checkpoint_text(size): the body of the checkpoint this node serves at size (or
        None), to verify stored lines again; skipped: called for each stored value skipped."""
        self.witnesses = witnesses
        self._archive = archive
        self._checkpoint_text = checkpoint_text
        self._skipped = skipped
        self._by_id = {
            (w.name, cosignature_key_id(w.name, w.public_key)): w for w in witnesses.witnesses
        }
        self._lines: OrderedDict[int, dict[str, Cosignature]] = OrderedDict()
        self._allowance = _Allowance(
            WITNESS_LINES_BURST, WITNESS_LINES_PER_S, max(1, len(witnesses.witnesses))
        )
        """Per witness name: the verified lines it may still have checked and kept."""
        self._forgeries = _Allowance(FORGED_LINES_BURST, FORGED_LINES_PER_S, SENDERS_TRACKED_MAX)
        """Per sender (client address): the lines failing their check it may still post."""
        if archive is not None:
            for size, stored in reversed(archive.newest_cosignature_lines(SIZES_KEPT)):
                by_name = self._decode_stored(size, stored)
                if by_name is not None:
                    self._lines[size] = by_name

    def add(
        self, *, size: int, text: str, line: bytes, now_s: int, mono_s: float, sender: str = ""
    ) -> str:
        """Verify line as a cosignature of checkpoint text (of size) and keep it.

        Returns the witness name; raises CosignatureRefusedError, or
        CosignatureThrottledError. Requires text to be the body of the checkpoint of size
        that this node serves; sender names who posted it (a client address). now_s is the
        wall clock (a cosignature's timestamp is checked against it); mono_s a monotonic
        clock, which refills the rate buckets: a wall clock stepped back must not stop them
        refilling, nor one stepped forward fill them."""
        if self._forgeries.left(sender, mono_s) < 1:
            raise CosignatureThrottledError(
                f"{sender or 'this sender'} has posted more than {FORGED_LINES_PER_S} "
                "lines a second that do not verify"
            )
        cosignature, witness = self._decode(line)
        if cosignature.timestamp_s > now_s + FUTURE_SKEW_S:
            raise CosignatureRefusedError(f"timestamp {cosignature.timestamp_s} is in the future")
        if self._allowance.left(witness.name, mono_s) < 1:
            raise CosignatureThrottledError(
                f"{witness.name} has sent more than {WITNESS_LINES_PER_S} lines a second"
            )
        if not verify_cosignature(text, cosignature, witness):
            self._forgeries.spend(sender, mono_s)
            raise CosignatureRefusedError(f"cosignature of {witness.name} does not verify")
        # Spent only once verified: a stranger naming a witness's key spends nothing of it.
        self._allowance.spend(witness.name, mono_s)
        by_name = self._kept(size)
        earlier = by_name.get(witness.name)
        if earlier is None or earlier.timestamp_s < cosignature.timestamp_s:
            by_name = {**by_name, witness.name: cosignature}
            if self._archive is not None:  # durable before served (a failed write keeps none)
                self._archive.put_cosignature_lines(size, _encode_lines(by_name))
        self._lines[size] = by_name
        self._lines.move_to_end(size)
        while len(self._lines) > SIZES_KEPT:
            self._lines.popitem(last=False)
        return witness.name

    def lines(self, size: int) -> tuple[NoteSignature, ...]:
        """The kept lines of size, by witness name."""
        # A copy: API threads read while the event loop adds (dict() of a dict is atomic).
        by_name = dict(self._kept(size))
        return tuple(by_name[name].note_signature() for name in sorted(by_name))

    def newest_sizes(self) -> dict[str, int]:
        """Per witness name, the largest size with a kept line of that witness (among the
        newest SIZES_KEPT sizes, those in memory); a witness with none is absent."""
        newest: dict[str, int] = {}
        # Copies, as in lines(): each size's dict is replaced on add, never changed in place.
        for size, by_name in tuple(self._lines.items()):
            for name in tuple(by_name):
                newest[name] = max(size, newest.get(name, 0))
        return newest

    def has_quorum(self, size: int) -> bool:
        return len(self._lines.get(size, {})) >= self.witnesses.quorum

    def sizes_with_quorum(self) -> list[int]:
        """Sizes with enough cosignatures, largest first."""
        return sorted((s for s in tuple(self._lines) if self.has_quorum(s)), reverse=True)

    def _kept(self, size: int) -> dict[str, Cosignature]:
        """The lines of size in memory, else in the archive (a size older than memory)."""
        by_name = self._lines.get(size)
        if by_name is None and self._archive is not None:
            stored = self._archive.get_cosignature_lines(size)
            by_name = None if stored is None else self._decode_stored(size, stored)
        return {} if by_name is None else by_name

    def _decode_stored(self, size: int, stored: bytes) -> dict[str, Cosignature] | None:
        """The lines of size as this book stored them, or None (logged and counted) when the
        value is corrupt: more lines than witnesses, a line that does not decode or name a
        witness of genesis, two lines of one witness, or one that does not verify."""
        try:
            return self._check_stored(size, stored)
        except CosignatureRefusedError as error:
            log.warning(
                "skipping the stored cosignatures of size %d: %s",
                size,
                error,
                extra={"size": size, "reason": str(error)},
            )
            if self._skipped is not None:
                self._skipped()
            return None

    def _check_stored(self, size: int, stored: bytes) -> dict[str, Cosignature]:
        count = len(self.witnesses.witnesses)
        if len(stored) > count * LINE_BYTES_MAX:
            raise CosignatureRefusedError(f"{len(stored)} bytes, more than {count} lines hold")
        lines = stored.splitlines(keepends=True)
        if len(lines) > count:
            raise CosignatureRefusedError(f"{len(lines)} lines, more than the {count} witnesses")
        text = None if self._checkpoint_text is None else self._checkpoint_text(size)
        if self._checkpoint_text is not None and text is None:
            raise CosignatureRefusedError("no checkpoint of this size here to verify them")
        by_name: dict[str, Cosignature] = {}
        for line in lines:
            cosignature, witness = self._decode(line)
            if witness.name in by_name:
                raise CosignatureRefusedError(f"two lines of {witness.name}")
            if text is not None and not verify_cosignature(text, cosignature, witness):
                raise CosignatureRefusedError(f"cosignature of {witness.name} does not verify")
            by_name[witness.name] = cosignature
        return by_name

    def _decode(self, line: bytes) -> tuple[Cosignature, Witness]:
        if len(line) > LINE_BYTES_MAX:
            raise CosignatureRefusedError(f"a cosignature line has at most {LINE_BYTES_MAX} bytes")
        try:
            parsed = parse_signature_line(line.decode("utf-8"))
            witness = self._by_id.get((parsed.name, parsed.key_id))
            if witness is None:
                raise CosignatureRefusedError(self._unknown(parsed.name, parsed.key_id))
            return Cosignature.from_note_signature(parsed), witness
        except (UnicodeDecodeError, NoteError) as error:
            raise CosignatureRefusedError(f"not a cosignature line: {error}") from None

    def _unknown(self, name: str, key_id: bytes) -> str:
        """Why a line's (name, key id) is no witness's: a witness's name with another key
        id (a rotated or misconfigured witness key) is told apart from an unknown name."""
        named = self.witnesses.by_name(name)
        if named is None:
            return f"{name[:64]!r} is not a witness of genesis"
        expected = cosignature_key_id(named.name, named.public_key).hex()
        return f"key id {key_id.hex()} is not the key of witness {name!r} (expected {expected})"


class _Allowance:
    """Lines per key: a token bucket of burst, refilled per_s a second (of a monotonic
    clock's mono_s); at most keys_max keys, the one spent longest ago forgotten first (it
    is full again then)."""

    def __init__(self, burst: int, per_s: int, keys_max: int) -> None:
        self._burst, self._per_s, self._keys_max = burst, per_s, keys_max
        self._left: OrderedDict[str, tuple[float, float]] = OrderedDict()
        """Per key: the lines left, as of a time (s)."""

    def left(self, key: str, mono_s: float) -> float:
        left, at_s = self._left.get(key, (float(self._burst), mono_s))
        return min(float(self._burst), left + max(0.0, mono_s - at_s) * self._per_s)

    def spend(self, key: str, mono_s: float) -> None:
        self._left[key] = (self.left(key, mono_s) - 1, mono_s)
        self._left.move_to_end(key)
        while len(self._left) > self._keys_max:
            self._left.popitem(last=False)


def _encode_lines(by_name: dict[str, Cosignature]) -> bytes:
    return "".join(by_name[name].note_signature().line() for name in sorted(by_name)).encode()
