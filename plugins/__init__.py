"""beancount-orders: order books for Beancount.

The Beancount plugin lives in :mod:`beancount_orders.orders`; the order book engine it
drives is :mod:`beancount_orders.book`.
"""
