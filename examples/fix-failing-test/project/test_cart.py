import unittest

from cart import subtotal, total


class CartTest(unittest.TestCase):
    def test_subtotal_counts_quantities(self):
        items = [{"price": 2.5, "quantity": 4}, {"price": 1.0, "quantity": 1}]
        self.assertEqual(subtotal(items), 11.0)

    def test_total_applies_discount(self):
        items = [{"price": 10.0, "quantity": 2}]
        self.assertEqual(total(items, discount=0.25), 15.0)

    def test_discount_out_of_range(self):
        with self.assertRaises(ValueError):
            total([], discount=1.5)


if __name__ == "__main__":
    unittest.main()
