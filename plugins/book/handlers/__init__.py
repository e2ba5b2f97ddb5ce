"""The handlers of the order directives, one module per family.

- :mod:`.orders`: ``customer``, ``order``, ``line``, ``commit``, ``cancel``, ``invoice``
- :mod:`.payments`: ``payment``, ``credit``, ``refund``, ``allocate``
- :mod:`.credit_orders`: ``credit-order`` (with ``credit-line``), ``credit-memo``
- :mod:`.stock`: ``stock-in``, ``dispatch``, ``transfer``, ``return``
- :mod:`.loyalty`: ``loyalty-program``, ``redeem``, ``loyalty-adjust``; and
  :mod:`.points_back`, what credit orders and cancels do to an order's points

Each handler takes the engine's :class:`~beancount_orders.book.state.State` and
a parsed :class:`~beancount_orders.book.directives.Directive` whose ``args`` is
the directive's typed record; its docstring says what it posts. The registry
(:mod:`beancount_orders.book.registry`) names the handler of every directive.
"""
