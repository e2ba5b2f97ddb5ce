"""beancount-orders: order books for Beancount.

The Beancount plugin lives in :mod:`plugins.orders`; the order book engine it
drives is :mod:`plugins.book`.
"""
