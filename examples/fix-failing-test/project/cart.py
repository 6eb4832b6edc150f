"""A tiny shopping cart: items are dicts with a price and a quantity."""


def subtotal(items):
    """Sum of price times quantity over the cart's items."""
    return sum(item["price"] for item in items)


def total(items, discount=0.0):
    """Subtotal minus a fractional discount (0.1 is 10%), rounded to cents."""
    if not 0.0 <= discount < 1.0:
        raise ValueError("discount must be in [0, 1)")
    return round(subtotal(items) * (1 - discount), 2)
