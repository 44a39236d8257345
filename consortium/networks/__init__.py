"""Networks: the convening bodies that run bids, and who convenes them."""
