from tests.helpers import dedent
from tests.helpers import ledger


@ledger()
def test_invoice(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 3 9.99 GBP
      tax: 0.20
    2024-01-05 custom "invoice" "SO-1" "INV-1"
    """
    assert loaded.expand() == dedent("""
        2024-01-05 * "Acme Ltd" "Invoice INV-1 for order SO-1" ^INV-1 ^SO-1
          order: "SO-1"
          customer: "acme"
          invoice: "INV-1"
          Assets:Receivable:Acme   35.96 GBP
          Income:Sales            -29.97 GBP
            item: "WIDGET"
          Liabilities:SalesTax     -5.99 GBP
            rate: 0.20
    """)
    assert loaded.book.orders["SO-1"].outstanding == loaded.book.invoices["INV-1"].gross
