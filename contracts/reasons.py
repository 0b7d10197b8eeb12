"""Machine-readable reason codes: admission failures and committed rejections. Pure.

The values are wire strings: an AdmissionReason goes back to the client as the HTTP 4xx
reason, a RejectReason is the `reason` of a committed TxResult and so is hashed into
results_root. Both may only grow by addition under protocol v1 (DESIGN.md §3).
"""

import enum


class AdmissionReason(enum.Enum):
    """Why a tx may never enter a block (DESIGN.md §2 step 2)."""

    TX_TOO_LARGE = "tx_too_large"
    MALFORMED_JSON = "malformed_json"
    FLOAT_NUMBER = "float_number"
    INTEGER_OUT_OF_RANGE = "integer_out_of_range"
    UNKNOWN_FIELD = "unknown_field"
    MISSING_FIELD = "missing_field"
    FIELD_TYPE = "field_type"
    NEGATIVE_AMOUNT = "negative_amount"
    ZERO_AMOUNT = "zero_amount"
    AMOUNT_TOO_LARGE = "amount_too_large"
    UNKNOWN_TX_TYPE = "unknown_tx_type"
    WRONG_CHAIN_ID = "wrong_chain_id"
    WRONG_PROTOCOL_VERSION = "wrong_protocol_version"
    DUPLICATE_SIGNER = "duplicate_signer"
    UNSORTED_SIGNATURES = "unsorted_signatures"
    MISSING_SIGNATURE = "missing_signature"
    BAD_SIGNATURE = "bad_signature"
    UNKNOWN_SENDER = "unknown_sender"
    EXPIRED = "expired"
    WRONG_NONCE = "wrong_nonce"
    KEY_ROTATED = "key_rotated"
    """A signer's key was replaced by key.rotate before this tx (ADR 0019)."""
    KEY_REVOKED = "key_revoked"
    """A signer's key was revoked by key.revoke before this tx (ADR 0019)."""
    KEY_ROTATION_TOO_SOON = "key_rotation_too_soon"
    """key.rotate of a validator key less than 24 h of block time after the institution's
    last one (ADR 0022): each is a validator set change every later receipt lists."""


class RejectReason(enum.Enum):
    """Why an admissible tx was committed as REJECTED (it advances the nonce, nothing else)."""

    SIGNER_LACKS_ROLE = "signer_lacks_role"
    NOT_ACCOUNT_HOLDER = "not_account_holder"
    VALIDATOR_QUORUM_MISSING = "validator_quorum_missing"
    REMOVAL_NOT_ENDORSED = "removal_not_endorsed"
    VALIDATOR_NOT_REGISTERED = "validator_not_registered"
    EVIDENCE_UNKNOWN = "evidence_unknown"
    BROKER_SIGNATURE_MISSING = "broker_signature_missing"
    COURT_SIGNATURE_MISSING = "court_signature_missing"
    COSIGNER_NOT_COURT = "cosigner_not_court"
    WRONG_COURT = "wrong_court"
    ALREADY_EXISTS = "already_exists"
    KEY_IN_USE = "key_in_use"
    TOO_MANY_KEYS = "too_many_keys"
    UNKNOWN_INSTITUTION = "unknown_institution"
    UNKNOWN_ACCOUNT = "unknown_account"
    UNKNOWN_PROJECT = "unknown_project"
    UNKNOWN_VERIFICATION = "unknown_verification"
    UNKNOWN_BATCH = "unknown_batch"
    UNKNOWN_CASE = "unknown_case"
    NOT_A_COURT = "not_a_court"
    NOT_PROJECT_ISSUER = "not_project_issuer"
    EXCEEDS_VERIFIED = "exceeds_verified"
    BUFFER_TOO_SMALL = "buffer_too_small"
    SAME_ACCOUNT = "same_account"
    INSUFFICIENT_BALANCE = "insufficient_balance"
    UNITS_FROZEN = "units_frozen"
    UNITS_RETIRED = "units_retired"
    ALREADY_RETIRED = "already_retired"
    INSUFFICIENT_FROZEN = "insufficient_frozen"
    EXCEEDS_CASE_REQUIREMENT = "exceeds_case_requirement"
    # Governance of roles and keys (ADR 0019).
    ROLE_ALREADY_HELD = "role_already_held"
    ROLE_NOT_HELD = "role_not_held"
    VALIDATOR_ROLE_IN_USE = "validator_role_in_use"
    """role.revoke of validator while a key of the institution is in the current or next set."""
    UNKNOWN_KEY = "unknown_key"
    """The key is no institution's signing key (`key/<hex>` absent)."""
    KEY_NOT_ACTIVE = "key_not_active"
    KEY_IN_VALIDATOR_SET = "key_in_validator_set"
    """The key is in the current or next validator set: take it out with validators.update first."""
    OLD_KEY_SIGNATURE_MISSING = "old_key_signature_missing"
    NEW_KEY_SIGNATURE_MISSING = "new_key_signature_missing"
    # Node addresses (ADR 0023).
    ANNOUNCER_NOT_SENDER = "announcer_not_sender"
    """node.announce names a key other than its sender's: a key announces only itself."""
    # Accredited verification (ADR 0026).
    VERIFIER_NOT_ACCREDITED = "verifier_not_accredited"
    """verification.attest from a key that is not an active key of an institution holding
    `verifier` (never granted, or suspended by role.revoke)."""
    VERIFIER_NOT_SENDER = "verifier_not_sender"
    """verification.attest names a verifier other than the sender's institution."""
    VERIFIER_NOT_INDEPENDENT = "verifier_not_independent"
    """verification.attest by the institution that registered the project (its issuer)."""
    VINTAGE_OUTSIDE_PERIOD = "vintage_outside_period"
    """credits.issue from an attested verification with a vintage year outside the years
    of its monitoring period."""
    # Project boundary and tenure (ADR 0027).
    TENURE_ALREADY_RECORDED = "tenure_already_recorded"
    """project.tenure for a project that already has a `project_tenure/` record (active or
    ended): a project's tenure is recorded once."""
    CERTIFICATE_CLAIMED = "certificate_claimed"
    """project.tenure names a certificate that already backs another active project."""
    NO_ACTIVE_TENURE = "no_active_tenure"
    """project.tenure_release for a project whose tenure is not recorded or already ended."""
    TENURE_ENDED = "tenure_ended"
    """credits.issue for a project whose tenure was released."""
    # Batch labels and registry links (ADR 0028).
    EXTERNAL_ID_CLAIMED = "external_id_claimed"
    """batch.link names an external id that another batch already claims."""
    TOO_MANY_LINKS = "too_many_links"
    """batch.link would give the batch more than 8 labels or more than 8 external ids."""
    LINKS_UNCHANGED = "links_unchanged"
    """batch.link adds no label and no external id the batch does not already carry."""
    # Case lifecycle (ADR 0029).
    CASE_ALREADY_JUDGED = "case_already_judged"
    """case.judgment for a case that already has a `case_judgment/` record."""
    CASE_CLOSED = "case_closed"
    """case.judgment, case.close or credits.retire_judicial for a case its court closed."""
    CASE_NOT_SATISFIED = "case_not_satisfied"
    """case.close with outcome satisfied while the case's judicial retirements fall short
    of its required_kg."""
    # Consideration (ADR 0031).
    CONSIDERATION_TOO_LARGE = "consideration_too_large"
    """credits.transfer_priced whose total (kg x fen/t / 1000) exceeds 10^15 fen."""
    # Reversals and insurance claims (ADR 0033).
    BATCH_NOT_OF_PROJECT = "batch_not_of_project"
    """reversal.report names a batch issued for another project than the one it names."""
    REVERSAL_EXCEEDS_BATCH = "reversal_exceeds_batch"
    """reversal.report whose lost_kg, with the batch's earlier reversals, exceeds the batch's
    issued and buffer kg together."""
    UNKNOWN_POLICY = "unknown_policy"
    """insurance.claim names no `insurance/<policy id>` record."""
    UNKNOWN_REVERSAL = "unknown_reversal"
    """insurance.claim names no `reversal/<id>` record."""
    POLICY_NOT_COVERING = "policy_not_covering"
    """insurance.claim under a policy whose period does not hold the reversal's event date,
    or whose subject is neither the reversal's project nor an account holding its batch."""
    CLAIM_EXCEEDS_SUM_INSURED = "claim_exceeds_sum_insured"
    """insurance.claim for more fen than the policy's sum_insured_fen."""
    # Pledges (ADR 0032).
    UNITS_PLEDGED = "units_pledged"
    """The kilograms asked for are there only if pledged ones count: transfer, retirement,
    freezing, cancellation and a second pledge never take PLEDGED serials."""
    NOT_A_LENDER = "not_a_lender"
    """credits.pledge or credits.pledge_enforce names a lender that does not hold `lender`."""
    LENDER_SIGNATURE_MISSING = "lender_signature_missing"
    """credits.pledge without the signature of an active key of the named lender."""
    PLEDGE_EXISTS = "pledge_exists"
    """credits.pledge with a pledge id already used."""
    UNKNOWN_PLEDGE = "unknown_pledge"
    PLEDGE_NOT_ACTIVE = "pledge_not_active"
    """Release or enforcement of a pledge already released or enforced."""
    NOT_PLEDGE_LENDER = "not_pledge_lender"
    """Release or enforcement sent by a key that is not an active key of the pledge's lender."""
    NOT_AN_ENFORCER = "not_an_enforcer"
    """credits.pledge_enforce names an enforcer that is neither trading centre nor court."""
    ENFORCER_SIGNATURE_MISSING = "enforcer_signature_missing"
    """credits.pledge_enforce without the signature of an active key of the named enforcer."""
    NOT_LENDER_ACCOUNT = "not_lender_account"
    """credits.pledge_enforce to an account whose holder key is not a key of the lender."""
    # Sealed-bid auctions (ADR 0034).
    UNITS_ESCROWED = "units_escrowed"
    """The kilograms asked for are there only if escrowed ones count: no rule but the lot's
    settlement takes ESCROWED serials."""
    UNKNOWN_LOT = "unknown_lot"
    LOT_EXISTS = "lot_exists"
    """auction.open with a lot id already used."""
    NOT_AN_AUCTION_OPERATOR = "not_an_auction_operator"
    """auction.open names an operator that is unknown or does not hold `trading_centre`."""
    OPERATOR_SIGNATURE_MISSING = "operator_signature_missing"
    """auction.open without the signature of an active key of the named operator."""
    BAD_AUCTION_WINDOW = "bad_auction_window"
    """auction.open whose windows break height < bid_end_height < reveal_end_height, or one
    of which spans more than AUCTION_WINDOW_MAX heights."""
    BIDDING_CLOSED = "bidding_closed"
    """auction.bid after the lot's bid_end_height (a late bid)."""
    BID_EXISTS = "bid_exists"
    """auction.bid from an account that already bid on the lot."""
    LOT_BIDS_FULL = "lot_bids_full"
    """auction.bid on a lot that already took LOT_BIDS_MAX bids."""
    OWN_LOT_BID = "own_lot_bid"
    """auction.bid from the lot's own seller account."""
    REVEAL_NOT_OPEN = "reveal_not_open"
    """auction.reveal at or before the lot's bid_end_height."""
    REVEAL_CLOSED = "reveal_closed"
    """auction.reveal after the lot's reveal_end_height (a late reveal)."""
    UNKNOWN_BID = "unknown_bid"
    """auction.reveal for an account that never bid on the lot."""
    BID_COMMITMENT_MISMATCH = "bid_commitment_mismatch"
    """auction.reveal whose price and salt do not hash to the bid's commitment."""
    BID_ALREADY_REVEALED = "bid_already_revealed"
    AUCTION_NOT_ENDED = "auction_not_ended"
    """auction.settle at or before the lot's reveal_end_height."""
    LOT_NOT_OPEN = "lot_not_open"
    """auction.bid, auction.reveal or auction.settle on a lot already settled or unsold."""
    NOT_LOT_OPERATOR = "not_lot_operator"
    """auction.settle sent by a key that is not an active key of the lot's operator."""
    # Insurance claim decisions (ADR 0035).
    UNKNOWN_CLAIM = "unknown_claim"
    """insurance.claim_decide names no `insurance_claim/<id>` record."""
    NOT_POLICY_ATTESTER = "not_policy_attester"
    """insurance.claim_decide sent by a key of another institution than the one that attested
    the claim's policy (`insurance/<id>.attested_by`)."""
    CLAIM_FILED_TO_PAID = "claim_filed_to_paid"
    """insurance.claim_decide filed -> paid: paying a claim never accepted."""
    CLAIM_ACCEPTED_TO_ACCEPTED = "claim_accepted_to_accepted"
    """insurance.claim_decide accepted -> accepted: accepting a claim already accepted."""
    CLAIM_ACCEPTED_TO_REJECTED = "claim_accepted_to_rejected"
    """insurance.claim_decide accepted -> rejected: rejecting a claim already accepted."""
    CLAIM_REJECTED_TO_ACCEPTED = "claim_rejected_to_accepted"
    """insurance.claim_decide rejected -> accepted: accepting a claim already rejected."""
    CLAIM_REJECTED_TO_REJECTED = "claim_rejected_to_rejected"
    """insurance.claim_decide rejected -> rejected: rejecting a claim already rejected."""
    CLAIM_REJECTED_TO_PAID = "claim_rejected_to_paid"
    """insurance.claim_decide rejected -> paid: paying a claim rejected."""
    CLAIM_PAID_TO_ACCEPTED = "claim_paid_to_accepted"
    """insurance.claim_decide paid -> accepted: accepting a claim already paid."""
    CLAIM_PAID_TO_REJECTED = "claim_paid_to_rejected"
    """insurance.claim_decide paid -> rejected: rejecting a claim already paid."""
    CLAIM_PAID_TO_PAID = "claim_paid_to_paid"
    """insurance.claim_decide paid -> paid: paying a claim already paid."""
    CLAIM_REJECTION_WITH_FEN = "claim_rejection_with_fen"
    """insurance.claim_decide rejecting a claim with decided_fen other than 0."""
    CLAIM_DECISION_WITHOUT_FEN = "claim_decision_without_fen"
    """insurance.claim_decide accepting or paying 0 fen."""
    CLAIM_DECISION_EXCEEDS_CLAIMED = "claim_decision_exceeds_claimed"
    """insurance.claim_decide accepting more fen than the claim's claimed_fen."""
    CLAIM_PAYMENT_EXCEEDS_ACCEPTED = "claim_payment_exceeds_accepted"
    """insurance.claim_decide paying more fen than the claim's accepted decided_fen."""


COSIGNATURE_MISSING = frozenset(
    {
        RejectReason.VALIDATOR_QUORUM_MISSING,
        RejectReason.REMOVAL_NOT_ENDORSED,
        RejectReason.BROKER_SIGNATURE_MISSING,
        RejectReason.COURT_SIGNATURE_MISSING,
        RejectReason.COSIGNER_NOT_COURT,
        RejectReason.OLD_KEY_SIGNATURE_MISSING,
        RejectReason.NEW_KEY_SIGNATURE_MISSING,
        RejectReason.LENDER_SIGNATURE_MISSING,
        RejectReason.ENFORCER_SIGNATURE_MISSING,
        RejectReason.OPERATOR_SIGNATURE_MISSING,
    }
)
"""Rejections that mean a co-signature the tx needs is absent. A copy of a tx stripped of
its co-signatures has the same tx_id as the full one; committed, it would burn the nonce
and the full copy with it, so nodes refuse such copies at intake (node/service.py)."""
