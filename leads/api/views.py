"""API views of the leads app."""
