"""What other modules may know about payments: frozen, stdlib-only dataclasses. None yet."""
