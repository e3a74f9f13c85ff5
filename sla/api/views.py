"""API views of the sla app."""
