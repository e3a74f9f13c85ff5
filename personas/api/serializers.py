"""API serializers of the personas app."""
