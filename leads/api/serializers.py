"""API serializers of the leads app."""
