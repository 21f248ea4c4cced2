"""What other modules may know about reporting: frozen, stdlib-only dataclasses. None yet."""
