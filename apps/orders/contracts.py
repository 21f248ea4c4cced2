"""What other modules may know about orders: frozen, stdlib-only dataclasses. None yet."""
