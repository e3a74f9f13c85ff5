"""Django admin of the journeys app."""
