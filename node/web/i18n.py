"""Chinese and English text of the web registry. Pure data.

Pages pick the language from ?lang=zh|en, else from Accept-Language (zh* -> zh), else
English. Every label a page shows is a key here; `text(lang, key)` fails loudly on a
missing key so a page never shows a raw key. The text of the record families added since
(tenure, links, verification and cases, consideration, auctions, claims):
node/web/i18n_records.py.
"""

import enum

from node.web.i18n_records import RECORD_MESSAGES


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


_CORE_MESSAGES: dict[str, tuple[str, str]] = {
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
    "error.busy": ("Busy: ask again in a few seconds", "繁忙：请几秒后重试"),
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
        # Worded so that 1 reads right ("up to 1 validators are offline", stop 57).
        "The registry keeps working with up to $f_l of its validators offline.",
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
        # The page takes 8 or more of its first digits too: say so (stop 57).
        "“$id” is not a receipt id. A receipt id is 64 hexadecimal digits (0-9, a-f); "
        "its first 8 or more digits are enough here.",
        "“$id”不是凭证编号。凭证编号为 64 位十六进制数字（0-9、a-f）；"
        "此处输入其前 8 位或更多即可。",
    ),
}

assert not _CORE_MESSAGES.keys() & RECORD_MESSAGES.keys(), "a key is written twice"
MESSAGES: dict[str, tuple[str, str]] = {**_CORE_MESSAGES, **RECORD_MESSAGES}
"""Every key: (English, Chinese)."""


def text(lang: Lang, key: str) -> str:
    """The text of key in lang. Raises KeyError for an unknown key (a bug, not input)."""
    english, chinese = MESSAGES[key]
    return chinese if lang is Lang.ZH else english
