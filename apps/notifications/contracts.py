"""What other modules may know about notifications: frozen, stdlib-only dataclasses. None yet."""
