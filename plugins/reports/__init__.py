"""Report functions shared by Fava and the command line.

Each takes a :class:`beancount_orders.book.Book` (and options) and returns frozen
dataclasses; templates and the CLI only format them.
"""
