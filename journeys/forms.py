"""Forms of the journeys app."""
