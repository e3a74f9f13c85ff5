"""API serializers of the reports app."""
