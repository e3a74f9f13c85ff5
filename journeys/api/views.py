"""API views of the journeys app."""
