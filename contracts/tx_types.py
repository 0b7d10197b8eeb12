"""The tx types of DESIGN.md §5 and the body each one carries. Pure.

Adding a type under protocol v1 is allowed (growth by addition, DESIGN.md §3); changing a
body that exists is not.
"""

import enum
from collections.abc import Callable

from contracts.auction_records import (
    AuctionBidBody,
    AuctionOpenBody,
    AuctionRevealBody,
    AuctionSettleBody,
)
from contracts.bodies_credits import (
    CreditsHoldBody,
    CreditsIssueBody,
    CreditsRetireBody,
    CreditsRetireJudicialBody,
    CreditsTransferBody,
)
from contracts.bodies_governance import (
    KeyRevokeBody,
    KeyRotateBody,
    NodeAnnounceBody,
    RoleChangeBody,
)
from contracts.bodies_registry import (
    AccountOpenBody,
    CaseRegisterBody,
    InstitutionRegisterBody,
    InsuranceAttestBody,
    KeyRegisterBody,
    ProjectRegisterBody,
    ValidatorsUpdateBody,
    VerificationAttestBody,
    VerificationRecordBody,
)
from contracts.case_lifecycle_records import CaseCloseBody, CaseJudgmentBody
from contracts.claim_decision_records import ClaimDecideBody
from contracts.consideration_records import CreditsTransferPricedBody
from contracts.link_records import BatchLinkBody
from contracts.pledge_records import PledgeBody, PledgeEnforceBody, PledgeReleaseBody
from contracts.reversal_records import InsuranceClaimBody, ReversalReportBody
from contracts.tenure_records import ProjectTenureBody, ProjectTenureReleaseBody
from protocol.encoding import JsonObject

TxBody = (
    InstitutionRegisterBody
    | KeyRegisterBody
    | ValidatorsUpdateBody
    | AccountOpenBody
    | ProjectRegisterBody
    | VerificationRecordBody
    | CaseRegisterBody
    | InsuranceAttestBody
    | CreditsIssueBody
    | CreditsTransferBody
    | CreditsRetireBody
    | CreditsRetireJudicialBody
    | CreditsHoldBody
    | RoleChangeBody
    | KeyRotateBody
    | KeyRevokeBody
    | NodeAnnounceBody
    | VerificationAttestBody
    | ProjectTenureBody
    | ProjectTenureReleaseBody
    | BatchLinkBody
    | CaseJudgmentBody
    | CaseCloseBody
    | CreditsTransferPricedBody
    | ReversalReportBody
    | InsuranceClaimBody
    | PledgeBody
    | PledgeReleaseBody
    | PledgeEnforceBody
    | AuctionOpenBody
    | AuctionBidBody
    | AuctionRevealBody
    | AuctionSettleBody
    | ClaimDecideBody
)


class TxType(enum.Enum):
    INSTITUTION_REGISTER = "institution.register"
    KEY_REGISTER = "key.register"
    VALIDATORS_UPDATE = "validators.update"
    ACCOUNT_OPEN = "account.open"
    PROJECT_REGISTER = "project.register"
    VERIFICATION_RECORD = "verification.record"
    CREDITS_ISSUE = "credits.issue"
    CREDITS_TRANSFER = "credits.transfer"
    CREDITS_RETIRE = "credits.retire"
    CASE_REGISTER = "case.register"
    CREDITS_RETIRE_JUDICIAL = "credits.retire_judicial"
    CREDITS_FREEZE = "credits.freeze"
    CREDITS_UNFREEZE = "credits.unfreeze"
    CREDITS_CANCEL = "credits.cancel"
    INSURANCE_ATTEST = "insurance.attest"
    ROLE_GRANT = "role.grant"
    ROLE_REVOKE = "role.revoke"
    KEY_ROTATE = "key.rotate"
    KEY_REVOKE = "key.revoke"
    NODE_ANNOUNCE = "node.announce"
    VERIFICATION_ATTEST = "verification.attest"
    PROJECT_TENURE = "project.tenure"
    PROJECT_TENURE_RELEASE = "project.tenure_release"
    BATCH_LINK = "batch.link"
    CASE_JUDGMENT = "case.judgment"
    CASE_CLOSE = "case.close"
    CREDITS_TRANSFER_PRICED = "credits.transfer_priced"
    REVERSAL_REPORT = "reversal.report"
    INSURANCE_CLAIM = "insurance.claim"
    CREDITS_PLEDGE = "credits.pledge"
    CREDITS_PLEDGE_RELEASE = "credits.pledge_release"
    CREDITS_PLEDGE_ENFORCE = "credits.pledge_enforce"
    AUCTION_OPEN = "auction.open"
    AUCTION_BID = "auction.bid"
    AUCTION_REVEAL = "auction.reveal"
    AUCTION_SETTLE = "auction.settle"
    INSURANCE_CLAIM_DECIDE = "insurance.claim_decide"


BODY_PARSERS: dict[TxType, Callable[[JsonObject], TxBody]] = {
    TxType.INSTITUTION_REGISTER: InstitutionRegisterBody.from_json,
    TxType.KEY_REGISTER: KeyRegisterBody.from_json,
    TxType.VALIDATORS_UPDATE: ValidatorsUpdateBody.from_json,
    TxType.ACCOUNT_OPEN: AccountOpenBody.from_json,
    TxType.PROJECT_REGISTER: ProjectRegisterBody.from_json,
    TxType.VERIFICATION_RECORD: VerificationRecordBody.from_json,
    TxType.CREDITS_ISSUE: CreditsIssueBody.from_json,
    TxType.CREDITS_TRANSFER: CreditsTransferBody.from_json,
    TxType.CREDITS_RETIRE: CreditsRetireBody.from_json,
    TxType.CASE_REGISTER: CaseRegisterBody.from_json,
    TxType.CREDITS_RETIRE_JUDICIAL: CreditsRetireJudicialBody.from_json,
    TxType.CREDITS_FREEZE: CreditsHoldBody.from_json,
    TxType.CREDITS_UNFREEZE: CreditsHoldBody.from_json,
    TxType.CREDITS_CANCEL: CreditsHoldBody.from_json,
    TxType.INSURANCE_ATTEST: InsuranceAttestBody.from_json,
    TxType.ROLE_GRANT: RoleChangeBody.from_json,
    TxType.ROLE_REVOKE: RoleChangeBody.from_json,
    TxType.KEY_ROTATE: KeyRotateBody.from_json,
    TxType.KEY_REVOKE: KeyRevokeBody.from_json,
    TxType.NODE_ANNOUNCE: NodeAnnounceBody.from_json,
    TxType.VERIFICATION_ATTEST: VerificationAttestBody.from_json,
    TxType.PROJECT_TENURE: ProjectTenureBody.from_json,
    TxType.PROJECT_TENURE_RELEASE: ProjectTenureReleaseBody.from_json,
    TxType.BATCH_LINK: BatchLinkBody.from_json,
    TxType.CASE_JUDGMENT: CaseJudgmentBody.from_json,
    TxType.CASE_CLOSE: CaseCloseBody.from_json,
    TxType.CREDITS_TRANSFER_PRICED: CreditsTransferPricedBody.from_json,
    TxType.REVERSAL_REPORT: ReversalReportBody.from_json,
    TxType.INSURANCE_CLAIM: InsuranceClaimBody.from_json,
    TxType.CREDITS_PLEDGE: PledgeBody.from_json,
    TxType.CREDITS_PLEDGE_RELEASE: PledgeReleaseBody.from_json,
    TxType.CREDITS_PLEDGE_ENFORCE: PledgeEnforceBody.from_json,
    TxType.AUCTION_OPEN: AuctionOpenBody.from_json,
    TxType.AUCTION_BID: AuctionBidBody.from_json,
    TxType.AUCTION_REVEAL: AuctionRevealBody.from_json,
    TxType.AUCTION_SETTLE: AuctionSettleBody.from_json,
    TxType.INSURANCE_CLAIM_DECIDE: ClaimDecideBody.from_json,
}
TX_TYPE_NAMES = frozenset(t.value for t in TxType)
