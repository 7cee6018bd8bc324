"""BOM ordering (BOM下单): a buyer's spreadsheet read as it comes, every line matched to the catalog with
an honest confidence, priced, written back as a quote, and turned into an order.

    from jbp.bom import QuoteOptions, quote_bom, write_quote_xlsx, order_quote
    quote = quote_bom(workspace, "panel.xlsx", QuoteOptions(brand="CHNT", customer="C-1001", boards=10))
    write_quote_xlsx(quote, "panel-quote.xlsx")
    order = order_quote(workspace, quote.id)
"""

from jbp.bom.columns import FIELDS, BomMapping, read_mapping
from jbp.bom.matching import CONFIDENCE, STATUSES, Candidate, LineMatch
from jbp.bom.orders import Order, OrderLine, confirm_line, order_quote, show_quote
from jbp.bom.quote_xlsx import write_quote_xlsx
from jbp.bom.quotes import Quote, QuoteLine, QuoteOptions, quote_bom
from jbp.bom.reading import BomDocument, BomLine, SkippedRow, read_bom

__all__ = [
    "CONFIDENCE", "FIELDS", "STATUSES", "BomDocument", "BomLine", "BomMapping", "Candidate", "LineMatch", "Order",
    "OrderLine", "Quote", "QuoteLine", "QuoteOptions", "SkippedRow", "confirm_line", "order_quote", "quote_bom",
    "read_bom", "read_mapping", "show_quote", "write_quote_xlsx",
]
