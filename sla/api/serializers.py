"""API serializers of the sla app."""
