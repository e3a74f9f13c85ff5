"""Django admin of the sla app."""
