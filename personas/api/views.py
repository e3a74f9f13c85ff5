"""API views of the personas app."""
