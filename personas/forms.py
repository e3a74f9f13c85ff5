"""Forms of the personas app."""
