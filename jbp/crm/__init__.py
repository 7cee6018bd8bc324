"""Private-domain customers (私域运营): customers and events, tag rules, segments, campaigns and the outbox.

Library calls, the same as the `jbp crm` commands:

    import_customers(store, path, now, brand=…)      import_events(store, path, now, brand=…)
    apply_rules(store, brand, load_rule_set(path), now)   why(store, brand, customer, tag, now)
    set_override / clear_override (manual tags)       preview_segment / save_segment / segment_members
    save_campaign(store, brand, path, now)           run_crm(store, brand, now, dry_run=…)
    export_outbox(store, brand, path, now)           campaign_report(store, brand, now)
"""

from jbp.crm.campaigns import list_campaigns, save_campaign, set_status
from jbp.crm.campaigns.engine import CrmRun, run_crm
from jbp.crm.campaigns.outbox import export_outbox, outbox_messages
from jbp.crm.campaigns.report import CampaignResult, campaign_report
from jbp.crm.customers import find_customer, import_customers
from jbp.crm.events import EventIn, import_events, record_events, sync_bom
from jbp.crm.privacy import masked
from jbp.crm.records import ImportReport
from jbp.crm.rules import parse_rule, render
from jbp.crm.segments import list_segments, preview_segment, save_segment, segment_members
from jbp.crm.tagrules import RuleSet, load_rule_set, parse_rule_set
from jbp.crm.tags import TagRun, apply_rules, clear_override, set_override, why

__all__ = [
    "CampaignResult", "CrmRun", "EventIn", "ImportReport", "RuleSet", "TagRun", "apply_rules", "campaign_report",
    "clear_override", "export_outbox", "find_customer", "import_customers", "import_events", "list_campaigns",
    "list_segments", "load_rule_set", "masked", "outbox_messages", "parse_rule", "parse_rule_set",
    "preview_segment", "record_events", "render", "run_crm", "save_campaign", "save_segment", "segment_members",
    "set_override", "set_status", "sync_bom", "why",
]
