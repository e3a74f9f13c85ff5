"""Forms of the leads app."""
