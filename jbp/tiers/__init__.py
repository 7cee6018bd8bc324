"""JBP tiers: tier programs, agreements, tier assignment and review, entitlements, the JBP report.

The rest of jbp asks `entitlement(store, brand, service, now)` and records use with
`consume(conn, brand, service, amount, now, ref)` inside its own transaction.
"""

from jbp.tiers.agreements import Agreement, agreement_from_table, agreements_for, read_agreements_file
from jbp.tiers.assignment import TierStatus, current_tier, override, reassign, record_agreements, tier_history
from jbp.tiers.entitlements import (
    Entitlement,
    QuotaExceeded,
    ServiceNotGranted,
    consume,
    entitlement,
    entitlements,
    use,
)
from jbp.tiers.periods import Quarter
from jbp.tiers.program import Program, check_program, default_program, load_program, program_in_force, use_program
from jbp.tiers.report import JbpReport, build_report, write_report
from jbp.tiers.review import Review, decide, review, review_history

__all__ = [
    "Agreement", "Entitlement", "JbpReport", "Program", "Quarter", "QuotaExceeded", "Review", "ServiceNotGranted",
    "TierStatus", "agreement_from_table", "agreements_for", "build_report", "check_program", "consume",
    "current_tier", "decide", "default_program", "entitlement", "entitlements", "load_program", "override",
    "program_in_force", "read_agreements_file", "reassign", "record_agreements", "review", "review_history",
    "tier_history", "use", "use_program", "write_report",
]
