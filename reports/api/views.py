"""API views of the reports app."""
