"""A misspelt order directive is reported, never silently dropped."""

from beancount_orders.book import engine
from tests.helpers import ledger


@ledger(expect_errors=True)
def test_misspelt_directive_is_reported(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-02 custom "line" "SO-1" "WIDGET" 1 10.00 GBP
    2024-01-05 custom "invoce" "SO-1" "INV-1"
    2024-01-05 custom "budget" "Expenses:Food" "monthly" 100.00 GBP
    2024-01-05 custom "fava-option" "language" "en"
    """
    assert loaded.messages == [
        (6, 'Unknown directive "invoce": did you mean "invoice"? It was not applied'),
    ]
    assert loaded.book.invoices == {}


def test_every_directive_of_the_spec_is_applied() -> None:
    """Nothing of the SPEC is left "not supported by this version"."""
    assert not engine.NOT_YET


@ledger()
def test_the_company_directive_applies_and_posts_nothing(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "payment" "acme" 10.00 GBP "card"
      id: "PAY-1"
    2024-01-03 custom "company" "Kiln & Co"
      tax-id: "GB123456789"
    """
    assert loaded.messages == []
    company = loaded.book.company
    assert company is not None
    assert (company.name, company.tax_id) == ("Kiln & Co", "GB123456789")
    assert loaded.balances()["Assets:Clearing:Card"] == "10.00 GBP"


@ledger(expect_errors=True)
def test_duplicate_payment_id_names_the_metadata(loaded):
    """
    plugin "beancount_orders.orders"
    2024-01-01 custom "customer" "acme" "Acme Ltd"
    2024-01-02 custom "order" "SO-1" "acme"
    2024-01-03 custom "payment" "SO-1" 10.00 GBP "card"
      id: "SO-1"
    """
    assert loaded.messages == [
        (
            5,
            'Payment on "SO-1": id metadata: Duplicate document id "SO-1": already used '
            'by order "SO-1" (ids are unique across orders, invoices, credits and other '
            "documents)",
        ),
    ]
