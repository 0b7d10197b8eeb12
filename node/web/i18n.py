"""Chinese and English text of the web registry. Pure data.

Pages pick the language from ?lang=zh|en, else from Accept-Language (zh* -> zh), else
English. Every label a page shows is a key here; `text(lang, key)` fails loudly on a
missing key so a page never shows a raw key.
"""

import enum


class Lang(enum.Enum):
    EN = "en"
    ZH = "zh"

    @property
    def other(self) -> "Lang":
        return Lang.ZH if self is Lang.EN else Lang.EN


def pick_lang(query_lang: str | None, accept_language: str | None) -> Lang:
    """?lang wins when it is zh or en; else Accept-Language starting with zh; else en."""
    if query_lang in ("zh", "en"):
        return Lang(query_lang)
    first = (accept_language or "").split(",")[0].strip().lower()
    return Lang.ZH if first.startswith("zh") else Lang.EN


MESSAGES: dict[str, tuple[str, str]] = {
    # layout
    "site": ("Lantan blue carbon registry", "蓝碳登记簿"),
    "nav.dashboard": ("Dashboard", "概览"),
    "nav.blocks": ("Blocks", "区块"),
    "nav.projects": ("Projects", "项目"),
    "nav.cases": ("Cases", "案件"),
    "nav.retirements": ("Retirements", "注销"),
    "nav.auctions": ("Auctions", "拍卖"),
    "nav.checker": ("Receipt checker", "凭证核验"),
    "nav.search": ("Search", "搜索"),
    "search.placeholder": (
        "tx id, serial, case number, project",
        "交易编号、序列号、案号、项目",
    ),
    "lang.switch": ("中文", "English"),
    "footer": (
        "Every page is read from this node's committed chain. Receipts verify offline with the"
        " genesis file alone.",
        "本页内容均读自本节点已提交的链上数据。注销凭证仅凭创世文件即可离线核验。",
    ),
    # errors
    "error.not_found": ("Not found", "未找到"),
    "error.bad_request": ("Bad request", "请求有误"),
    "error.back": ("Back to the dashboard", "返回概览"),
    # dashboard
    "dash.title": ("Dashboard", "概览"),
    "dash.chain": ("Chain", "链"),
    "dash.height": ("Height", "区块高度"),
    "dash.node": ("This node", "本节点"),
    "dash.head": ("Head block hash", "最新区块哈希"),
    "dash.validators": ("Validators and their signing record", "验证节点及签名记录"),
    "dash.signed": ("Signed", "已签名"),
    "dash.last_signed": ("Last signed", "最近签名高度"),
    "dash.signed_window": (
        "certificates signed among the latest $count blocks",
        "最近 $count 个区块中签署的提交证书数",
    ),
    "dash.latest_blocks": ("Latest blocks", "最新区块"),
    "dash.checkpoints": ("Latest checkpoints", "最新检查点"),
    "dash.totals": ("Registry totals", "登记总量"),
    "dash.no_checkpoint": (
        "No checkpoint has a quorum of signatures yet.",
        "尚无达到法定签名数的检查点。",
    ),
    "dash.quorum": ("Quorum", "法定签名数"),
    "dash.latest_retirements": ("Latest retirements", "最新注销"),
    "dash.no_retirements": ("No retirement yet.", "尚无注销。"),
    "dash.busy_blocks": ("Latest blocks with transactions", "最新含交易的区块"),
    "dash.no_busy_blocks": (
        "No transactions among the latest $count blocks.",
        "最近 $count 个区块中没有交易。",
    ),
    "dash.all_blocks": (
        "All latest $count blocks, empty ones included ($empty empty: the validators keep"
        " signing a block every few seconds even when nobody sends a transaction)",
        "最近 $count 个区块，含空区块（$empty 个为空："
        "即使无人提交交易，验证节点也每隔几秒签署一个区块）",
    ),
    "dash.quorum_words": (
        "Each block needs the signatures of $q of the $n validators.",
        "每个区块需要 $n 个验证节点中 $q 个签名。",
    ),
    "dash.liveness_words": (
        "The registry keeps working while up to $f_l validators are offline.",
        "最多 $f_l 个验证节点离线时，登记簿仍可继续运行。",
    ),
    "dash.liveness_none": (
        "Every validator must be online for new blocks.",
        "所有验证节点都须在线才能产生新区块。",
    ),
    "dash.safety_words": (
        "Its history cannot be forked unless more than $f_s validators sign conflicting blocks.",
        "除非超过 $f_s 个验证节点签署相互冲突的区块，其历史不会分叉。",
    ),
    "dash.safety_none": (
        "With this quorum a single validator that signs two conflicting blocks could fork the"
        " history; its two signatures are the evidence against it.",
        "在此法定数下，一个验证节点签署两个相互冲突的区块即可能使历史分叉；它的两个签名就是对它的证据。",
    ),
    "dash.signed_share": (
        "$count of $blocks ($expected expected)",
        "$blocks 个中 $count 个（预期约 $expected 个）",
    ),
    "dash.signed_note": (
        "A block's certificate carries the first $q signatures that reach the proposer, so a"
        " healthy validator appears in about $q of every $n certificates: about $expected of"
        " the latest $blocks blocks. Far fewer means it is offline or slow.",
        "区块证书只收录最先到达的 $q 个签名，因此正常的验证节点约出现在每 $n 个证书中的"
        " $q 个：最近 $blocks 个区块中约 $expected 个。明显少于此数说明该节点离线或过慢。",
    ),
    # common fields
    "f.name": ("Name", "名称"),
    "f.institution": ("Institution", "机构"),
    "f.public_key": ("Public key", "公钥"),
    "f.roles": ("Roles", "角色"),
    "f.height": ("Height", "高度"),
    "f.time": ("Time (UTC+8)", "时间（北京时间）"),
    "f.txs": ("Transactions", "交易"),
    "f.proposer": ("Proposer", "提议者"),
    "f.signatures": ("Signatures", "签名"),
    "f.size": ("Size", "大小"),
    "f.root": ("Root", "根哈希"),
    "f.lines": ("Signature lines", "签名行"),
    "f.tx_id": ("Transaction id", "交易编号"),
    "f.type": ("Type", "类型"),
    "f.sender": ("Sender", "发送方"),
    "f.nonce": ("Nonce", "序号"),
    "f.status": ("Status", "状态"),
    "f.reason": ("Reason", "原因"),
    "f.index": ("Index", "序位"),
    "f.block": ("Block", "区块"),
    "f.expires": ("Expires (UTC+8)", "过期时间（北京时间）"),
    "f.body": ("Body", "交易内容"),
    "f.signer": ("Signer", "签名方"),
    "f.result": ("Result", "执行结果"),
    "f.project": ("Project", "项目"),
    "f.ecosystem": ("Ecosystem", "生态系统"),
    "f.location": ("Location", "位置"),
    "f.standard": ("Accounting standard", "核算标准"),
    "f.owner": ("Owner", "业主"),
    "f.issuer": ("Issuer", "签发机构"),
    "f.documents": ("Document hashes", "文件哈希"),
    "f.batch": ("Issuance batch", "签发批次"),
    "f.vintage": ("Vintage", "年份"),
    "f.quantity": ("Quantity", "数量"),
    "f.buffer": ("Buffer", "缓冲储备"),
    "f.retired": ("Retired", "已注销"),
    "f.cancelled": ("Cancelled", "已作废"),
    "f.serials": ("Serials", "序列号"),
    "f.account": ("Account", "账户"),
    "f.holder": ("Holder key", "持有人公钥"),
    "f.custodian": ("Custodian", "托管机构"),
    "f.kind": ("Kind", "类别"),
    "f.active": ("Active", "可用"),
    "f.frozen": ("Frozen", "冻结"),
    "f.pledged": ("Pledged (ADR 0032)", "已质押（ADR 0032）"),
    "f.pledge": ("Pledge", "质押"),
    "f.lender": ("Lender", "质权银行"),
    "f.agreement_hash": ("Pledge agreement (SHA-256)", "质押合同（SHA-256）"),
    "f.loan_reference_hash": ("Loan reference (SHA-256)", "借款合同或登记编号（SHA-256）"),
    "f.closed_height": ("Released or enforced at height", "解除或处置高度"),
    "f.enforced_to": ("Enforced into account", "处置转入账户"),
    "f.enforced_with": ("Enforcement co-signed by", "处置联署机构"),
    "pledge.title": ("Pledge $id", "质押 $id"),
    "f.case": ("Case", "案件"),
    "f.case_number": ("Case number", "案号"),
    "f.case_type": ("Case type", "案件类型"),
    "f.court": ("Court", "法院"),
    "f.plaintiff": ("Plaintiff", "起诉机关"),
    "f.registered_by": ("Registered by", "登记方"),
    "f.obligors": ("Obligors (masked)", "义务人（已脱敏）"),
    "f.required": ("Required", "应履行数量"),
    "f.document_hash": ("Document hash", "文书哈希"),
    "f.retirement": ("Retirement", "注销"),
    "f.beneficiary": ("Beneficiary", "受益方"),
    "f.purpose": ("Purpose", "用途"),
    "f.confirmed_by": ("Confirmed by", "确认方"),
    "f.verification": ("Verification", "核查"),
    "f.period": ("Monitoring period", "监测期"),
    "f.verifier": ("Verification body", "核查机构"),
    "f.verified": ("Verified", "核证量"),
    "f.issued": ("Issued", "已签发"),
    "f.accredited_verifier": ("Accredited verification body", "经认可的核证机构"),
    "f.methodology": ("Methodology", "方法学"),
    "f.methodology_version": ("Methodology version", "方法学版本"),
    "f.net_sink": ("Verified net sink", "核证净碳汇量"),
    "f.reports": ("Reports (SHA-256 fingerprint)", "报告（SHA-256 指纹）"),
    "f.signed_by": ("Signed by", "签署方"),
    "f.recorded_in": ("Recorded in block", "记录于区块"),
    "f.range": ("Serial range", "序列号区间"),
    "f.change": ("Change", "变化"),
    "f.chain_id": ("chain_id", "链标识 chain_id"),
    "f.state_root": ("State root", "状态根"),
    "f.validators": ("Validators", "验证节点"),
    "f.evidence": ("Evidence", "证据"),
    "f.round": ("Round", "轮次"),
    "f.count": ("Count", "数量"),
    # pages
    "block.title": ("Block $height", "区块 $height"),
    "block.header": ("Header", "区块头"),
    "block.certificate": ("Commit certificate", "提交证书"),
    "block.signed_by": (
        "signed by $k of $n (quorum $q)",
        "由 $n 个验证节点中的 $k 个签署（法定数 $q）",
    ),
    "block.genesis": ("The genesis block has no certificate.", "创世区块没有提交证书。"),
    "block.none": ("No transactions in this block.", "本区块没有交易。"),
    "blocks.title": ("Blocks", "区块"),
    "blocks.older": ("Older blocks", "更早的区块"),
    "tx.title": ("Transaction", "交易"),
    "tx.committed": (
        "committed at height $height, index $index",
        "已提交于高度 $height，序位 $index",
    ),
    "tx.unknown": ("No committed transaction has this id.", "没有该编号的已提交交易。"),
    "tx.raw": ("Signed transaction (JSON)", "已签名交易（JSON）"),
    "tx.see_retirement": ("See the retirement", "查看注销记录"),
    "projects.title": ("Projects", "项目"),
    "project.title": ("Project $id", "项目 $id"),
    "project.batches": ("Issuance batches", "签发批次"),
    "project.verifications": ("Verifications", "核查记录"),
    "project.attested": (
        "Verifications signed by an accredited verification body",
        "经认可的核证机构签署的核证",
    ),
    "attested.title": ("Accredited verification $id", "核证机构核证 $id"),
    "attested.note": (
        "An accredited verification body, not the issuer, signed this verification on the"
        " chain. Credits issued from it never exceed its verified net sink; their vintage"
        " year lies within its monitoring period.",
        "本核证由经认可的核证机构（而非签发机构）在链上签署。据此签发的碳汇总量不超过核证净碳汇量，其年份在监测期之内。",
    ),
    "attested.batches": ("Issuance batches from this verification", "据此核证签发的批次"),
    "batch.title": ("Issuance batch $id", "签发批次 $id"),
    "batch.blocks": ("Serial blocks", "序列号区块"),
    "batch.issued_by": ("Issuance transaction", "签发交易"),
    "range.title": ("Serials $first–$last of $batch", "$batch 序列号 $first–$last"),
    "range.now": ("Current state of these serials", "这些序列号的当前状态"),
    "range.history": (
        "Full history: every transaction that touched these serials",
        "完整历史：所有涉及这些序列号的交易",
    ),
    "range.unavailable": ("History unavailable: $detail", "历史不可用：$detail"),
    "range.whole": ("whole range", "整个区间"),
    "account.title": ("Account $id", "账户 $id"),
    "account.holdings": ("Holdings", "持有量"),
    "account.none": ("No holdings.", "无持有量。"),
    "institution.title": ("Institution $id", "机构 $id"),
    "institution.validator": ("Validator of the current set", "当前验证节点"),
    "cases.title": ("Cases", "案件"),
    "case.title": ("Case $id", "案件 $id"),
    "case.retirements": ("Retirements for this case", "本案注销记录"),
    "case.progress": ("$retired of $required retired", "应履行 $required，已注销 $retired"),
    "case.judgment": ("Judgment", "判决"),
    "case.no_judgment": ("No judgment recorded on chain.", "链上尚无判决记录。"),
    "case.closure": ("Closure", "结案"),
    "case.not_closed": ("Not closed.", "尚未结案。"),
    "f.case_status": ("Status", "案件状态"),
    "f.judgment_date": ("Judgment date", "判决日期"),
    "f.compensation": ("Compensation ordered", "判令赔偿金额"),
    "f.judgment_hash": ("Judgment document hash", "判决书哈希"),
    "f.harm_site": ("Harm site", "损害地点"),
    "f.judged_by": ("Recorded by (court key)", "登记密钥（法院）"),
    "f.outcome": ("Outcome", "结案方式"),
    "f.closed_by": ("Closed by (court key)", "结案密钥（法院）"),
    "export.cases": ("Cases (CSV)", "案件（CSV）"),
    # project boundary and tenure (ADR 0027)
    "project.tenure": ("Boundary and tenure", "项目边界与权属"),
    "project.no_tenure": (
        "No boundary or tenure certificate recorded on chain.",
        "链上尚无边界与权属证书记录。",
    ),
    "f.certificate": ("Tenure certificate", "权属证书"),
    "f.tenure_status": ("Tenure status", "权属状态"),
    "f.ended_in": ("Ended in block", "终止于区块"),
    "f.boundary": ("Boundary (SHA-256 of the GeoJSON file)", "边界（GeoJSON 文件 SHA-256）"),
    "f.centroid": ("Centroid (WGS 84)", "中心点（WGS 84）"),
    "f.area": ("Area", "面积"),
    # batch labels and registry links (ADR 0028)
    "batch.links": ("Labels and other registries", "标签与外部登记"),
    "batch.no_links": (
        "No labels or other registries' ids recorded on chain.",
        "链上尚无标签或外部登记编号。",
    ),
    "f.labels": ("Labels", "标签"),
    "f.external_ids": ("Ids in other registries", "外部登记编号"),
    "f.external_id": ("Id in another registry", "外部登记编号"),
    # the verification behind retired credits, and the case now (ADR 0026, 0029, 0030)
    "retirement.verification": (
        "Verification behind these credits",
        "所注销碳汇的核证",
    ),
    "retirement.no_verification": (
        "The batch's verification is not on this chain.",
        "本链上找不到该批次的核证记录。",
    ),
    "retirement.attested_at": (
        "accredited verifier, attested at height $height",
        "经认可的核证机构，于高度 $height 签署",
    ),
    "retirement.issuer_recorded": (
        "(recorded by the issuer, not signed by the verifier)",
        "（由签发机构记录，非核证机构签署）",
    ),
    "f.case_status_now": ("Case status now", "案件当前状态"),
    "retirements.title": ("Retirements", "注销"),
    "retirement.title": ("Retirement", "注销"),
    "retirement.receipt": ("Retirement receipt", "注销凭证"),
    "retirement.receipt_id": ("Receipt id (retirement tx)", "凭证编号（注销交易）"),
    "retirement.receipt_digest": (
        "Receipt digest (the same for every copy)",
        "凭证摘要（各副本相同）",
    ),
    "retirement.receipt_json": ("Receipt (JSON)", "凭证（JSON）"),
    "retirement.receipt_pdf": ("Receipt (PDF, printable)", "凭证（PDF，可打印）"),
    "retirement.check": ("Verify it in this browser", "在本浏览器中核验"),
    "retirement.receipt_note": (
        "The JSON receipt is the evidence: it verifies offline with the genesis file alone.",
        "JSON 凭证即证据：仅凭创世文件即可离线核验。",
    ),
    "search.title": ("Search", "搜索"),
    "search.results": ("Results for “$q”", "“$q”的搜索结果"),
    "search.none": ("Nothing matches “$q”.", "没有与“$q”匹配的结果。"),
    "search.empty": (
        "Type a tx id, a serial number, a case number or a project.",
        "请输入交易编号、序列号、案号或项目。",
    ),
    "export.title": ("CSV export", "CSV 导出"),
    "export.projects": ("Projects (CSV)", "项目（CSV）"),
    "export.attested-verifications": (
        "Accredited verifications (CSV)",
        "核证机构核证（CSV）",
    ),
    "export.issuances": ("Issuances (CSV)", "签发（CSV）"),
    "export.retirements": ("Retirements (CSV)", "注销（CSV）"),
    "export.reversals": (
        "Reversals: sink losses and the buffer drawn (CSV)",
        "碳汇损失（逆转）与缓冲扣减（CSV）",
    ),
    "export.insurance-claims": ("Insurance claims (CSV)", "保险理赔（CSV）"),
    "reversal.title": ("Reversals and insurance claims", "碳汇损失（逆转）与保险理赔"),
    "reversal.none": (
        "No reversal reported: no buffer drawn.",
        "未报告碳汇损失：缓冲未扣减。",
    ),
    "reversal.id": ("Reversal", "损失报告"),
    "reversal.event_date": ("Event date", "发生日期"),
    "reversal.cause": ("Cause", "原因"),
    "reversal.lost": ("Sink lost", "损失碳汇量"),
    "reversal.drawn": ("Buffer drawn (serials)", "扣减缓冲（序号）"),
    "reversal.uncovered": ("Not covered by the buffer", "缓冲未覆盖"),
    "reversal.claims": ("Insurance claims", "保险理赔"),
    "export.pledges": ("Pledges (CSV)", "质押（CSV）"),
    "list.none": ("None yet.", "暂无。"),
    "list.truncated": ("Showing the first $count.", "仅显示前 $count 条。"),
    # the labelled reports of verification.attest (contracts REPORT_LABELS)
    # checker
    "checker.title": ("Retirement receipt checker", "注销凭证核验"),
    "checker.offline": ("Offline checker (one HTML file)", "离线核验（单个 HTML 文件）"),
    "checker.receipt_short": (
        "“$id” is only the start of a receipt id. The checker needs the full receipt id: "
        "64 hexadecimal digits (0-9, a-f), as printed on the receipt under “Receipt id”, "
        "or at least 8 of its first digits.",
        "“$id”只是凭证编号的开头。核验需要完整的凭证编号：64 位十六进制数字（0-9、a-f），"
        "即凭证上“凭证编号”一栏所印内容，或至少其前 8 位。",
    ),
    "checker.receipt_none": (
        "No retirement on this registry has a receipt id starting with “$id”. Check the "
        "digits against the receipt, or enter the full 64-digit receipt id.",
        "本登记簿没有凭证编号以“$id”开头的注销。请对照凭证核对，或输入完整的 64 位凭证编号。",
    ),
    "checker.receipt_many": (
        "Several retirements have a receipt id starting with “$id”. Enter the full "
        "64-digit receipt id.",
        "有多笔注销的凭证编号以“$id”开头。请输入完整的 64 位凭证编号。",
    ),
    "checker.receipt_bad": (
        "“$id” is not a receipt id. A receipt id is 64 hexadecimal digits (0-9, a-f).",
        "“$id”不是凭证编号。凭证编号为 64 位十六进制数字（0-9、a-f）。",
    ),
    # consideration (ADR 0031)
    "consideration.title": ("Consideration", "交易对价"),
    "consideration.price": ("Unit price", "单价"),
    "consideration.total": ("Total", "总价"),
    "consideration.currency": ("Currency", "币种"),
    "consideration.agreement": ("Agreement (SHA-256)", "交易协议（SHA-256）"),
    "consideration.note": ("Note", "说明"),
    "consideration.not_settled": (
        "Recorded as agreed; the registry does not settle money.",
        "按约定登记；登记簿不办理资金结算。",
    ),
    "consideration.from": ("From", "转出账户"),
    "consideration.to": ("To", "转入账户"),
    "batch.considerations": ("Priced transfers", "计价转让"),
    "export.considerations": ("Considerations (CSV)", "交易对价（CSV）"),
    # sealed-bid auctions (ADR 0034; node/web/pages_auctions.py)
    "auctions.title": ("Sealed-bid auctions (ADR 0034)", "密封竞价拍卖（ADR 0034）"),
    "auction.title": ("Auction lot $id", "拍卖标的 $id"),
    "f.lot": ("Lot", "拍卖标的"),
    "f.escrowed": ("In auction (ADR 0034)", "拍卖托管中（ADR 0034）"),
    "auction.seller": ("Seller account", "出让方账户"),
    "auction.operator": ("Run by (trading centre)", "组织机构（交易中心）"),
    "auction.reserve": ("Reserve price", "起拍价"),
    "auction.windows": ("Windows (block heights)", "出价与揭标窗口（区块高度）"),
    "auction.windows_text": (
        "bids at heights $first–$bid_end, reveals at $reveal_first–$reveal_end",
        "出价：高度 $first–$bid_end；揭标：高度 $reveal_first–$reveal_end",
    ),
    "auction.terms_hash": ("Auction terms (SHA-256)", "竞拍公告（SHA-256）"),
    "auction.opened": ("Opened at block, by", "挂牌区块及签名密钥"),
    "auction.stage_bidding": ("bids accepted up to height $height", "接受出价至高度 $height"),
    "auction.stage_reveal": (
        "bidding closed; reveals accepted up to height $height",
        "出价已截止；接受揭标至高度 $height",
    ),
    "auction.stage_ended": (
        "both windows closed; the trading centre settles next",
        "出价与揭标均已截止，待交易中心结算",
    ),
    "auction.stage_settled": ("settled at height $height", "已于高度 $height 结算"),
    "auction.bids": ("Sealed bids, in commit order", "密封出价（按提交顺序）"),
    "auction.seq": ("Order", "顺序"),
    "auction.bidder": ("Bidder account", "竞买人账户"),
    "auction.committed": ("Committed at", "出价区块"),
    "auction.commitment": ("Commitment (SHA-256)", "出价承诺值（SHA-256）"),
    "auction.revealed": ("Revealed price", "揭标价格"),
    "auction.not_revealed": ("not revealed", "未揭标"),
    "auction.sealed_until": (
        "revealed; the price is shown after height $height",
        "已揭标；高度 $height 之后公开价格",
    ),
    "auction.reveal_tx": ("Reveal tx", "揭标交易"),
    "auction.outcome": ("Outcome", "拍卖结果"),
    "auction.result": ("Result", "结果"),
    "auction.winner": ("Winner", "中标人"),
    "auction.price": ("Winning price", "成交价"),
    "auction.unrevealed": ("Never revealed", "未揭标的出价"),
    "auction.invalid": ("Invalid bids", "无效出价"),
    "auction.none": ("none", "无"),
    "auction.settle_tx": ("Settlement tx", "结算交易"),
    "auction.verify": (
        "Recompute it from the chain",
        "从链上数据自行复核",
    ),
    "batch.auctions": ("Auctions of this batch's credits", "本批次碳汇的拍卖"),
    "export.auctions": ("Auction lots (CSV)", "拍卖标的（CSV）"),
    "export.auction-bids": ("Auction bids (CSV)", "拍卖出价（CSV）"),
    # insurance claim decisions (ADR 0035)
    "claim.status.filed": ("filed, not yet decided", "已提出，待核定"),
    "claim.status.accepted": ("accepted by the insurer", "保险人已核定赔付"),
    "claim.status.rejected": ("rejected by the insurer", "保险人已拒赔"),
    "claim.status.paid": ("paid by the insurer", "保险人已赔付"),
    "claim.accepted_amount": ("accepted $yuan", "核定 $yuan"),
    "claim.paid_amount": ("paid $yuan", "已付 $yuan"),
    "claim.over_claimed": (
        "Policy $policy over-claimed: its claims not rejected ask $claimed, above the $insured"
        " insured (recorded, not refused).",
        "保单 $policy 超额索赔：未被拒赔的索赔合计 $claimed，超过保险金额 $insured"
        "（如实登记，不予拒绝）。",
    ),
}


def text(lang: Lang, key: str) -> str:
    """The text of key in lang. Raises KeyError for an unknown key (a bug, not input)."""
    english, chinese = MESSAGES[key]
    return chinese if lang is Lang.ZH else english
