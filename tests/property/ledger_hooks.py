"""What every reference mixin (pledge_reference.py, auction_reference.py, ...) takes from
ReferenceLedger, declared once: the ledger state they share and the checks they call.

ReferenceLedger implements each abstract hook; a mixin only names what it reads. Naive on
purpose like the models: shares no code with contracts/ beyond the reason strings.
"""

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any

from protocol.signing import PublicKey

if TYPE_CHECKING:
    from tests.property.contracts_reference import Op, Unit


class LedgerHooks(ABC):
    """The reference ledger's shared state and checks, as its mixins see them."""

    roles: dict[str, set[str]]
    """institution -> its roles."""
    key_owner: dict[PublicKey, str]
    """Active institution keys -> their institution."""
    accounts: dict[str, tuple[PublicKey, str]]
    """account -> (holder key, custodian)."""
    projects: dict[str, str]
    """project -> its issuer."""
    batches: dict[str, tuple[str, int, int]]
    units: dict[str, list["Unit"]]
    """batch -> one Unit per kilogram."""
    considerations: dict[bytes, dict[str, Any]]
    """tx id -> the consideration/ record's fields but height (priced transfers and
    auction settlements, ADR 0031 and 0034)."""

    @abstractmethod
    def _require(self, condition: bool, reason: str) -> None:
        """Reject the op with reason unless condition holds."""

    @abstractmethod
    def _role(self, op: "Op", *roles: str, reason: str = "signer_lacks_role") -> str:
        """The institution whose active key sent op; it must hold one of roles."""

    @abstractmethod
    def _account(self, account: str) -> tuple[PublicKey, str]:
        """(holder key, custodian) of a known account."""

    @abstractmethod
    def _batch(self, batch: str) -> None:
        """Reject unless batch is known."""

    @abstractmethod
    def _take_active(self, op: "Op", account: str, batch: str, retired_reason: str) -> list[int]:
        """Indices of the lowest quantity_kg ACTIVE kilograms of account in batch."""

    @abstractmethod
    def _credits_transfer(self, op: "Op") -> None:
        """credits.transfer, as the reference runs it."""

    def _holder_sent(self, op: "Op", account: str) -> None:
        """The known account's holder key sent op."""
        holder, _ = self._account(account)
        self._require(op.sender == holder, "not_account_holder")

    def _cosigned(
        self, op: "Op", institution: str, roles: tuple[str, ...], lacks: str, missing: str
    ) -> None:
        """institution holds one of roles (else lacks) and an active key of it signed op
        (else missing)."""
        self._require(any(r in self.roles.get(institution, ()) for r in roles), lacks)
        signed = any(self.key_owner.get(k) == institution for k in op.signers)
        self._require(signed, missing)
