"""The reporting module's public surface: the only reporting code other modules may import.

Empty until the module's issue fills it; functions here take and return contracts.py types.
"""
