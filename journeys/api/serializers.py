"""API serializers of the journeys app."""
